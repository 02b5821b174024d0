package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatchUpTest {

    private final CatchUp catchUp = new CatchUp(1000);
    private final List<Long> sent = new ArrayList<>();

    @Test
    void nothingHeldOutsideACatchUp() {
        assertEquals(CatchUp.Offer.PASS, catchUp.offer(event(0, 1, 10)));
        assertFalse(catchUp.holding());
    }

    @Test
    void onlyTheReplayedPartitionsWaitAndTheyComeOutInOrderAfterTheReplay() {
        catchUp.hold(Set.of(0));
        assertEquals(CatchUp.Offer.HELD, catchUp.offer(event(0, 7, 10)));
        assertEquals(CatchUp.Offer.PASS, catchUp.offer(event(1, 3, 10)));
        assertEquals(CatchUp.Offer.HELD, catchUp.offer(event(0, 8, 10)));
        boolean[] caughtUp = {false};
        assertTrue(catchUp.release(e -> sent.add(e.offset()), () -> caughtUp[0] = true));
        assertEquals(List.of(7L, 8L), sent);
        assertTrue(caughtUp[0]);
        assertEquals(CatchUp.Offer.PASS, catchUp.offer(event(0, 9, 10)), "live again once released");
    }

    @Test
    void eventsHeldWhileReleasingAreReleasedTooBeforeTheHoldEnds() {
        catchUp.hold(Set.of(0));
        catchUp.offer(event(0, 1, 10));
        catchUp.release(e -> {
            sent.add(e.offset());
            if (e.offset() < 3) {
                // the consumer thread keeps delivering while the client reads: still held, in order
                assertEquals(CatchUp.Offer.HELD, catchUp.offer(event(0, e.offset() + 1, 10)));
            }
            return true;
        }, () -> { });
        assertEquals(List.of(1L, 2L, 3L), sent);
    }

    @Test
    void pastEightTimesTheOutboundBoundTheSessionMustClose() {
        catchUp.hold(Set.of(0));
        for (int i = 0; i < 8; i++) {
            assertEquals(CatchUp.Offer.HELD, catchUp.offer(event(0, i, 1000)));
        }
        assertEquals(CatchUp.Offer.TOO_MANY, catchUp.offer(event(0, 8, 1)));
    }

    @Test
    void aClosingSessionStopsTheRelease() {
        catchUp.hold(Set.of(0));
        catchUp.offer(event(0, 1, 10));
        catchUp.offer(event(0, 2, 10));
        boolean[] caughtUp = {false};
        assertFalse(catchUp.release(e -> false, () -> caughtUp[0] = true));
        assertFalse(caughtUp[0]);
    }

    private static RelayEvent event(int partition, long offset, int bytes) {
        return new RelayEvent("e" + offset, "lob", "c", PayloadType.CONNECTION_RESPONSE,
                new Cursor("ep", partition, offset), 0, "x".repeat(bytes).getBytes(StandardCharsets.UTF_8));
    }
}
