package io.notifyrelay.websocket.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Why the relay recently closed a session whose client may not have read the close frame: a 4429 close queues
 * behind the bytes the client did not read, so a stalled client sees 1006. When that client comes back and names
 * its previous session ({@code /v1/ws}: {@code auth.previousSession}; socket.io: its {@code pid}), it is told the
 * reason ({@code welcome.previousClose}; {@code RECOVERY.previousClose}). Node-local and bounded: at most
 * {@link #MAX_ENTRIES} closes, each kept {@link #KEEP}; told once, and only to a session of the same LOB.
 */
public final class RecentCloses {

    public static final int MAX_ENTRIES = 10_000;
    public static final Duration KEEP = Duration.ofMinutes(5);

    /** A close as the client is told it. */
    public record Close(int code, String reason, Instant at) {
    }

    private record Entry(String lobId, Close close) {
    }

    private final Clock clock;
    private final Map<String, Entry> closes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public RecentCloses(Clock clock) {
        this.clock = clock;
    }

    /** Remembers that the session {@code key} (a session id, a socket.io pid) of {@code lobId} was closed. */
    public synchronized void remember(String key, String lobId, int code, String reason) {
        closes.remove(key); // re-inserted last, so eviction stays oldest first
        closes.put(key, new Entry(lobId, new Close(code, reason, clock.instant())));
    }

    /** The close of session {@code key} if it was one of {@code lobId}'s and is recent; forgotten once told. */
    public synchronized Optional<Close> take(String key, String lobId) {
        if (key == null) {
            return Optional.empty();
        }
        Entry entry = closes.get(key);
        if (entry == null || !entry.lobId().equals(lobId)) {
            return Optional.empty();
        }
        closes.remove(key);
        boolean recent = !entry.close().at().plus(KEEP).isBefore(clock.instant());
        return recent ? Optional.of(entry.close()) : Optional.empty();
    }

    public synchronized int size() {
        return closes.size();
    }
}
