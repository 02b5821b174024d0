package io.notifyrelay.core.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UnexpiredOnlyTest {

    private static final long NOW = 1_800_000_000_000L;

    private static RelayEvent event(long offset, long expiresAt) {
        return new RelayEvent("e" + offset, "lob", "c", PayloadType.CONNECTION_RESPONSE, new Cursor("E", 0, offset),
                NOW - 1000, "{}".getBytes(), null, null, expiresAt);
    }

    /** A target that wants everything and records what it was handed. */
    private static final class Recording implements ResumeTarget {
        final List<String> calls = new ArrayList<>();

        @Override
        public boolean wants(RelayEvent event) {
            return true;
        }

        @Override
        public void deliverReplayed(RelayEvent event) {
            calls.add("replayed " + event.eventId());
        }

        @Override
        public void goLive(Set<Integer> stillReplaying) {
            calls.add("live " + stillReplaying);
        }

        @Override
        public void finish(boolean recovered, String reason) {
            calls.add("finish " + recovered);
        }
    }

    @Test
    void anEventPastItsExpiryIsNotWantedOthersAre() {
        Recording target = new Recording();
        UnexpiredOnly filtered = new UnexpiredOnly(target, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

        assertFalse(filtered.wants(event(1, NOW)), "expired at exactly its expiry time");
        assertFalse(filtered.wants(event(2, NOW - 1)));
        assertTrue(filtered.wants(event(3, NOW + 1)));
        assertTrue(filtered.wants(event(4, RelayEvent.NO_EXPIRY)));
    }

    @Test
    void everythingElseReachesTheSessionUnchanged() {
        Recording target = new Recording();
        UnexpiredOnly filtered = new UnexpiredOnly(target, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

        filtered.deliverReplayed(event(5, RelayEvent.NO_EXPIRY));
        filtered.goLive(Set.of(1));
        filtered.finish(true, null);

        assertEquals(List.of("replayed e5", "live [1]", "finish true"), target.calls);
    }
}
