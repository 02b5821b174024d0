package io.notifyrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop's batching of a busy topic, on a fake clock: it waits only after records, and only the rest of the window. */
class FetchPacingTest {

    private long now = 1_000_000L;
    private final List<Long> waits = new ArrayList<>();
    private final FetchPacing pacing = new FetchPacing(Duration.ofMillis(2), () -> now, nanos -> {
        waits.add(nanos);
        now += nanos;
    });

    @Test
    void anIdleTopicIsPolledAtOnceSoTheBrokerHoldsTheFetch() {
        pacing.beforePoll();
        pacing.polled(0);
        pacing.beforePoll();
        assertEquals(List.of(), waits, "no records: poll again straight away (the broker waits, not the loop)");
    }

    @Test
    void afterRecordsTheLoopWaitsOutTheRestOfTheWindow() {
        pacing.polled(10);
        now += 500_000; // handling the batch took 0.5 ms
        pacing.beforePoll();
        assertEquals(List.of(1_500_000L), waits);
    }

    @Test
    void aBatchThatTookLongerThanTheWindowIsFollowedByAPollAtOnce() {
        pacing.polled(10);
        now += 3_000_000;
        pacing.beforePoll();
        assertEquals(List.of(), waits);
    }

    @Test
    void theFirstEmptyPollEndsTheBusySpell() {
        pacing.polled(5);
        pacing.beforePoll();
        pacing.polled(0);
        pacing.beforePoll();
        assertEquals(List.of(2_000_000L), waits, "one wait after the records, none after the empty poll");
    }

    @Test
    void aZeroWindowNeverWaits() {
        FetchPacing none = new FetchPacing(Duration.ZERO, () -> now, nanos -> waits.add(nanos));
        none.polled(100);
        none.beforePoll();
        assertEquals(List.of(), waits);
    }

    @Test
    void aNegativeWindowIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FetchPacing(Duration.ofMillis(-1)));
    }
}
