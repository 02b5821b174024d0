package io.notifyrelay.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the last {@code capacity} events seen, to drop an event delivered twice: after a reconnect the
 * replay may repeat what arrived just before the connection dropped, and during a move two nodes may both
 * send a few events of the same partition. Least recently seen ids leave first. Not thread-safe: the client
 * calls it under its lock.
 */
final class DedupeWindow {

    private final int capacity;
    private final LinkedHashMap<String, Boolean> seen;

    DedupeWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("dedupe window must hold at least one id");
        }
        this.capacity = capacity;
        this.seen = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > DedupeWindow.this.capacity;
            }
        };
    }

    /** True the first time an id is offered (while it stays in the window); false for a duplicate. */
    boolean firstTime(String id) {
        return seen.put(id, Boolean.TRUE) == null;
    }

    int size() {
        return seen.size();
    }

    int capacity() {
        return capacity;
    }
}
