package io.notifyrelay.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The handover of a partition's duties between a node's group member and its delivery reader. */
class DutyHandoverTest {

    private double readerLag = 7;
    private final DutyHandover handover = new DutyHandover(partition -> readerLag);

    @Test
    void nothingIsHandedOverBeforeTheReadersStartIsKnown() {
        assertFalse(handover.handOver(0, 100));
        assertFalse(handover.claim(0, 100), "the reader does no duty of a partition not handed over");
        assertEquals(-1, handover.progress(0));
        assertEquals(-1, handover.takeBack(0));
        assertTrue(Double.isNaN(handover.lag(0)));
    }

    @Test
    void theMemberHandsOverOnlyOnceItHasCaughtUpWithTheReader() {
        handover.readerStarts(0, 50);
        assertFalse(handover.handOver(0, 10), "the member has not done 10..49 yet and the reader has passed them");
        assertFalse(handover.handOver(0, 49));
        assertTrue(handover.handOver(0, 50));
        assertFalse(handover.handOver(0, 50), "once");
        assertTrue(handover.handedOver(0));
        assertEquals(50, handover.progress(0));
    }

    @Test
    void theReaderDoesTheDutiesFromTheBoundaryOnAndNothingBefore() {
        handover.readerStarts(0, 0);
        assertFalse(handover.claim(0, 0));
        handover.batchDone();
        assertTrue(handover.handOver(0, 3), "the member is ahead of the reader: it did 0..2");
        assertFalse(handover.claim(0, 1), "done by the member");
        assertFalse(handover.claim(0, 2), "done by the member");
        assertTrue(handover.claim(0, 3));
        assertTrue(handover.claim(0, 4));
        assertFalse(handover.claim(1, 4), "another partition is not handed over");
    }

    @Test
    void progressCountsOnlyRecordsWhoseBatchIsOver() {
        handover.readerStarts(0, 0);
        assertTrue(handover.handOver(0, 0));
        assertTrue(handover.claim(0, 0));
        assertTrue(handover.claim(0, 1));
        assertEquals(1, handover.progress(0), "record 1 is still being handled");
        handover.batchDone();
        assertEquals(2, handover.progress(0));
    }

    @Test
    void takingBackStopsTheReadersDutiesAndGivesWhereTheyStopped() {
        handover.readerStarts(0, 0);
        assertTrue(handover.handOver(0, 0));
        assertTrue(handover.claim(0, 0));
        handover.batchDone();
        assertTrue(handover.claim(0, 1), "being handled when the group takes the partition away");
        assertEquals(1, handover.takeBack(0), "the next owner repeats record 1 rather than skip it");
        assertFalse(handover.claim(0, 2));
        assertFalse(handover.handedOver(0));
        assertEquals(-1, handover.progress(0));
        assertTrue(handover.handOver(0, 3), "given back later, it can be handed over again");
        assertFalse(handover.claim(0, 2));
        assertTrue(handover.claim(0, 3));
    }

    @Test
    void theLagOfAHandedOverPartitionIsTheReadersLessWhatItPassesBeforeTheBoundary() {
        handover.readerStarts(0, 0);
        assertTrue(handover.handOver(0, 5));
        readerLag = 12;
        assertEquals(7, handover.lag(0), "records 0..4 are done by the member");
        handover.claim(0, 5);
        assertEquals(12, handover.lag(0));
        readerLag = Double.NaN;
        assertTrue(Double.isNaN(handover.lag(0)), "unknown: the member's own figure stands");
    }

    /**
     * Both readers interleaved at random with revocations and reassignments, against a log of records: every
     * record's duties are done at least once, and more than once only for records the reader had handled past
     * the progress committed when the partition was taken back (its batch not over yet).
     */
    @Test
    void noRecordIsLeftWithoutItsDutiesWhateverTheInterleaving() {
        for (long seed = 0; seed < 2000; seed++) {
            simulate(new Random(seed), seed);
        }
    }

    private static void simulate(Random random, long seed) {
        int records = 200;
        int[] done = new int[records];
        DutyHandover handover = new DutyHandover(p -> Double.NaN);
        int readerStart = random.nextInt(records / 2);
        int readerNext = readerStart;
        boolean readerStartTold = false;
        int memberPosition = 0; // the member owns the partition from the group's committed offset 0
        boolean owned = true;
        boolean paused = false;
        long committed = 0;
        long allowed = 0; // duplicates a takeover may cause: what the reader handled past the committed progress
        int steps = 0;
        while ((readerNext < records || owned && !paused && memberPosition < records) && steps++ < 100_000) {
            int action = random.nextInt(10);
            if (action < 4 && readerNext < records) { // the reader handles one record, maybe ending a batch
                if (!readerStartTold) {
                    handover.readerStarts(0, readerNext);
                    readerStartTold = true;
                }
                if (handover.claim(0, readerNext)) {
                    if (random.nextInt(20) == 0) { // taken back while this record is being handled
                        committed = handover.takeBack(0);
                        allowed += readerNext + 1 - committed;
                        owned = false;
                        paused = false;
                    }
                    done[readerNext]++;
                }
                readerNext++;
                if (random.nextBoolean()) {
                    handover.batchDone();
                }
            } else if (action < 7 && owned && !paused) { // the member reads, then offers the partition
                if (memberPosition < records) {
                    done[memberPosition++]++;
                }
                if (handover.handOver(0, memberPosition)) {
                    paused = true;
                }
            } else if (action == 7 && owned) { // revoked: commit where the duties are
                long progress = handover.takeBack(0);
                committed = paused ? progress : memberPosition;
                if (paused) {
                    allowed += Math.max(0, readerNext - committed);
                }
                owned = false;
                paused = false;
            } else if (action == 8 && !owned) { // another member (not this node) does the records in between
                for (long offset = committed; offset < committed + random.nextInt(5) && offset < records; offset++) {
                    done[(int) offset]++;
                    committed = offset + 1;
                }
                memberPosition = (int) committed; // then this node gets the partition back
                owned = true;
            }
        }
        if (!owned) {
            for (long offset = committed; offset < records; offset++) {
                done[(int) offset]++; // the next owner reads on from what was committed
            }
        }
        for (int offset = 0; offset < records; offset++) {
            assertTrue(done[offset] >= 1, "seed " + seed + ": record " + offset + " lost its duties");
        }
        int duplicates = 0;
        for (int count : done) {
            duplicates += Math.max(0, count - 1);
        }
        assertTrue(duplicates <= allowed, "seed " + seed + ": " + duplicates + " duplicates, " + allowed
                + " records handled past the progress committed at takeovers");
    }
}
