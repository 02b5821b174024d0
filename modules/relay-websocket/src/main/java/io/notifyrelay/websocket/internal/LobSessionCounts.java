package io.notifyrelay.websocket.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Authenticated sessions per LOB on this node, to cap what one LOB can hold. */
public final class LobSessionCounts {

    private final ConcurrentMap<String, Integer> counts = new ConcurrentHashMap<>();
    private final int maxPerLob;

    public LobSessionCounts(int maxPerLob) {
        this.maxPerLob = maxPerLob;
    }

    /** Counts one more session of {@code lobId}, unless that would pass the limit. */
    public boolean tryAdmit(String lobId) {
        boolean[] admitted = new boolean[1];
        counts.compute(lobId, (lob, count) -> {
            int current = count == null ? 0 : count;
            admitted[0] = current < maxPerLob;
            return admitted[0] ? current + 1 : count;
        });
        return admitted[0];
    }

    public void release(String lobId) {
        counts.computeIfPresent(lobId, (lob, count) -> count <= 1 ? null : count - 1);
    }
}
