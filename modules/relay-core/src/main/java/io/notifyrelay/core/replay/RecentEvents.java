package io.notifyrelay.core.replay;

import io.notifyrelay.core.RelayEvent;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The last few events of each partition this node consumes, so a client back from a short disconnect
 * is caught up from memory instead of a read from Kafka. Confined to the consumer thread.
 */
public final class RecentEvents {

    private final int perPartition;
    private final Map<Integer, Window> windows = new HashMap<>();

    private static final class Window {
        final ArrayDeque<RelayEvent> events = new ArrayDeque<>();
        /** Every accepted event of the partition from this offset on is in {@link #events}. */
        long coveredFrom = -1;
    }

    /** @param perPartition events kept per partition; 0 keeps none (every resume reads Kafka) */
    public RecentEvents(int perPartition) {
        this.perPartition = perPartition;
    }

    public void add(RelayEvent event) {
        if (perPartition == 0) {
            return;
        }
        Window window = windows.computeIfAbsent(event.partition(), p -> new Window());
        if (window.coveredFrom < 0) {
            window.coveredFrom = event.offset();
        }
        window.events.addLast(event);
        if (window.events.size() > perPartition) {
            RelayEvent evicted = window.events.removeFirst();
            window.coveredFrom = evicted.offset() + 1;
        }
    }

    /** The partition left this node: what is kept may go stale before it comes back. */
    public void forget(int partition) {
        windows.remove(partition);
    }

    /** Whether every event of {@code partition} from {@code fromOffset} on is held here. */
    public boolean covers(int partition, long fromOffset) {
        Window window = windows.get(partition);
        return window != null && window.coveredFrom >= 0 && fromOffset >= window.coveredFrom;
    }

    /** Hands over the held events of {@code partition} at or after {@code fromOffset}, oldest first. */
    public void forEachFrom(int partition, long fromOffset, Consumer<RelayEvent> action) {
        Window window = windows.get(partition);
        if (window == null) {
            return;
        }
        for (RelayEvent event : window.events) {
            if (event.offset() >= fromOffset) {
                action.accept(event);
            }
        }
    }

    public int size() {
        int total = 0;
        for (Window window : windows.values()) {
            total += window.events.size();
        }
        return total;
    }
}
