package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboundBytesTest {

    private final AtomicBoolean closed = new AtomicBoolean();
    private final OutboundBytes outbound = new OutboundBytes(1000, closed::get);

    @Test
    void pastTheLimitTheSessionIsTooSlow() {
        assertTrue(outbound.add(600));
        assertTrue(outbound.add(400));
        assertFalse(outbound.add(1));
        outbound.released(601);
        assertEquals(400, outbound.pending());
        assertTrue(outbound.add(100));
    }

    @Test
    void aRoomTaskRunsOnceWhenWritesBringTheQueueToHalfTheLimitAndHoldsNoThreadMeanwhile() {
        AtomicInteger runs = new AtomicInteger();
        outbound.add(900);
        outbound.whenRoom(runs::incrementAndGet);
        assertEquals(0, runs.get(), "no room yet");
        outbound.released(300); // 600 left
        assertEquals(0, runs.get());
        outbound.released(100); // 500: half
        assertEquals(1, runs.get());
        outbound.released(500);
        assertEquals(1, runs.get(), "once");
        outbound.whenRoom(runs::incrementAndGet);
        assertEquals(2, runs.get(), "at once when there is room");
    }

    @Test
    void aClosedSessionRunsNoRoomTaskAndItsWaitersGiveUp() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        outbound.add(900);
        outbound.whenRoom(runs::incrementAndGet);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(
                () -> outbound.awaitRoom(TimeUnit.SECONDS.toNanos(30)));
        closed.set(true);
        outbound.close();
        assertFalse(waiter.get(5, TimeUnit.SECONDS), "woken, and no room for a closed session");
        outbound.released(900);
        assertEquals(0, runs.get());
    }

    @Test
    void aWaiterGoesOnWhenTheClientHasReadEnough() throws Exception {
        outbound.add(900);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(
                () -> outbound.awaitRoom(TimeUnit.SECONDS.toNanos(30)));
        outbound.released(400);
        assertTrue(waiter.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aWaiterGivesUpAtItsTimeout() {
        outbound.add(900);
        assertFalse(outbound.awaitRoom(TimeUnit.MILLISECONDS.toNanos(20)));
    }
}
