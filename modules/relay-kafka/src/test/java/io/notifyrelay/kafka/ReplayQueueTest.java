package io.notifyrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The queue of Kafka reads, run by hand: each "thread turn" is one call of {@link #runOne()}. */
class ReplayQueueTest {

    private final ArrayDeque<Runnable> turns = new ArrayDeque<>();
    private final List<String> ran = new ArrayList<>();

    private void runOne() {
        turns.poll().run();
    }

    private ReplayQueue queue(int perSession, int perLob) {
        return new ReplayQueue(new ReplayQueue.Limits(perSession, perLob), turns::add);
    }

    private CompletableFuture<String> submit(ReplayQueue queue, ReplayQueue.Owner owner, String name) {
        return queue.submit(owner, () -> {
            ran.add(name);
            return name;
        });
    }

    @Test
    void lobsTakeTurnsSoOneTenantsBacklogDoesNotDelayAnother() {
        ReplayQueue queue = queue(10, 10);
        ReplayQueue.Owner busy = new ReplayQueue.Owner("busy");
        ReplayQueue.Owner other = new ReplayQueue.Owner("other");
        for (int i = 1; i <= 5; i++) {
            submit(queue, busy, "busy-" + i);
        }
        submit(queue, other, "other-1");
        while (!turns.isEmpty()) {
            runOne();
        }
        // the other LOB's read runs second, not sixth
        assertEquals(List.of("busy-1", "other-1", "busy-2", "busy-3", "busy-4", "busy-5"), ran);
    }

    @Test
    void aSessionAndALobGetAtMostTheirShareAndPlacesComeBackWhenReadsEnd() {
        ReplayQueue queue = queue(2, 3);
        ReplayQueue.Owner first = new ReplayQueue.Owner("lob");
        ReplayQueue.Owner second = new ReplayQueue.Owner("lob");
        assertNotNull(submit(queue, first, "a"));
        assertNotNull(submit(queue, first, "b"));
        assertNull(submit(queue, first, "c"), "a session past its share is refused");
        assertNotNull(submit(queue, second, "d"));
        assertNull(submit(queue, new ReplayQueue.Owner("lob"), "e"), "a LOB past its share is refused");
        assertNotNull(submit(queue, new ReplayQueue.Owner("another"), "f"), "other LOBs are not");
        assertEquals(3, queue.pending("lob"));
        runOne();
        assertEquals(2, queue.pending("lob"));
        assertNotNull(submit(queue, first, "g"), "a finished read frees its place");
    }

    @Test
    void cancellingDropsQueuedReadsAtOnceAndFreesTheirPlaces() {
        ReplayQueue queue = queue(5, 5);
        ReplayQueue.Owner gone = new ReplayQueue.Owner("lob");
        CompletableFuture<String> dropped = submit(queue, gone, "gone-1");
        submit(queue, gone, "gone-2");
        queue.cancel(gone);
        assertTrue(dropped.isCancelled());
        assertEquals(0, queue.pending("lob"));
        assertNull(submit(queue, gone, "gone-3"), "a cancelled owner queues nothing more");
        CompletableFuture<String> kept = submit(queue, new ReplayQueue.Owner("lob"), "kept");
        while (!turns.isEmpty()) {
            runOne();
        }
        assertEquals(List.of("kept"), ran);
        assertEquals("kept", kept.join());
    }
}
