package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ForwardOffsetsTest {

    private final ForwardOffsets offsets = new ForwardOffsets(3);

    @Test
    void nothingIsKnownUntilTheFirstEventAndTheVectorIsSizedOnce() {
        assertArrayEquals(new long[0], offsets.snapshot());
        assertTrue(offsets.advance(1, 5));
        assertArrayEquals(new long[] {-1, 6, -1}, offsets.snapshot());
    }

    @Test
    void anEventAtOrBelowWhatWasSentIsSkippedAndOnlyNewerOnesMoveForward() {
        assertTrue(offsets.advance(0, 5));
        assertFalse(offsets.advance(0, 5), "the same event again");
        assertFalse(offsets.advance(0, 3), "an older one");
        assertTrue(offsets.advance(0, 9), "a gap is fine: other contacts' events are not sent");
        assertTrue(offsets.advance(4, 0), "a partition past the hint grows the vector");
        assertArrayEquals(new long[] {10, -1, -1, -1, 1}, offsets.snapshot());
    }

    @Test
    void aReplayedEventMovesForwardButNeverBack() {
        offsets.advance(0, 9);
        offsets.passed(0, 4);
        assertArrayEquals(new long[] {10, -1, -1}, offsets.snapshot());
        offsets.passed(0, 12);
        assertFalse(offsets.advance(0, 12));
    }

    @Test
    void atMostMovesBackOnlyThePartitionsPastTheLimit() {
        offsets.reset(new long[] {50, 7, -1});
        offsets.atMost(new long[] {20, 9, 4});
        assertArrayEquals(new long[] {20, 7, -1}, offsets.snapshot());
    }

    @Test
    void coveredByComparesOnlyTheKnownPartitionsAndFurthestWithTakesTheMax() {
        offsets.reset(new long[] {5, -1, 8});
        assertTrue(offsets.coveredBy(new long[] {5, 0, 9}));
        assertFalse(offsets.coveredBy(new long[] {6, 0, 7}));
        assertFalse(offsets.coveredBy(new long[] {6}), "an unknown partition is behind");
        assertArrayEquals(new long[] {6, 0, 8, 2}, offsets.furthestWith(new long[] {6, 0, 7, 2}));
    }

    @Test
    void encodesAsARecoveryOffset() {
        offsets.reset(new long[] {5, -1, 8});
        RecoveryOffset decoded = RecoveryOffset.decode(offsets.encode("e1")).orElseThrow();
        assertArrayEquals(new long[] {5, -1, 8}, new long[] {decoded.next().get(0), -1, decoded.next().get(2)});
        assertFalse(decoded.next().containsKey(1));
    }
}
