package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RecentClosesTest {

    /** A clock the test moves: the keep time is checked without sleeping. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock();
    private final RecentCloses closes = new RecentCloses(clock);

    @Test
    void toldOnceToTheSameLobOnly() {
        closes.remember("session-1", "lob-a", 4429, "too slow");
        assertTrue(closes.take("session-1", "lob-b").isEmpty(), "never to another LOB");
        RecentCloses.Close close = closes.take("session-1", "lob-a").orElseThrow();
        assertEquals(4429, close.code());
        assertEquals("too slow", close.reason());
        assertEquals(clock.now, close.at());
        assertTrue(closes.take("session-1", "lob-a").isEmpty(), "once");
        assertTrue(closes.take(null, "lob-a").isEmpty());
    }

    @Test
    void forgottenAfterTheKeepTime() {
        closes.remember("session-1", "lob-a", 4429, "too slow");
        closes.remember("session-2", "lob-a", 4429, "too slow");
        clock.now = clock.now.plus(RecentCloses.KEEP);
        assertTrue(closes.take("session-1", "lob-a").isPresent(), "at the keep time still");
        clock.now = clock.now.plus(Duration.ofMillis(1));
        assertTrue(closes.take("session-2", "lob-a").isEmpty());
    }

    @Test
    void boundedOldestFirst() {
        for (int i = 0; i <= RecentCloses.MAX_ENTRIES; i++) {
            closes.remember("session-" + i, "lob-a", 4429, "too slow");
        }
        assertEquals(RecentCloses.MAX_ENTRIES, closes.size());
        assertTrue(closes.take("session-0", "lob-a").isEmpty(), "the oldest made room");
        assertTrue(closes.take("session-" + RecentCloses.MAX_ENTRIES, "lob-a").isPresent());
    }
}
