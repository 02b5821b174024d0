package io.notifyrelay.websocket.session;

import java.util.Arrays;

/**
 * What a session has been sent, whatever its transport: per partition, the first offset it has not been sent
 * (-1: nothing known). Positions only go forward, which makes the replay/live seam and redelivery after a
 * rebalance exact: an event below its partition's position is one the client already has.
 *
 * <p>Thread-safe: live events (consumer thread) and replayed ones (replay pool) may meet at the seam.
 */
public final class ForwardOffsets {

    private final int sizeHint;
    private long[] next = new long[0];

    /** @param sizeHint the topic's partition count, so the first event sizes the vector once */
    public ForwardOffsets(int sizeHint) {
        this.sizeHint = sizeHint;
    }

    /** Moves past {@code offset}; false (skip the event) when the session has it already. */
    public synchronized boolean advance(int partition, long offset) {
        grow(partition);
        if (offset < next[partition]) {
            return false;
        }
        next[partition] = offset + 1;
        return true;
    }

    /** Moves past {@code offset} if it is ahead, for an event sent whatever the position (a replayed one). */
    public synchronized void passed(int partition, long offset) {
        grow(partition);
        next[partition] = Math.max(next[partition], offset + 1);
    }

    /** Starts from these positions (the resume seam). */
    public synchronized void reset(long[] positions) {
        next = positions.clone();
    }

    /** Moves back to {@code limit} every partition that is past it (a position that was never a real offset). */
    public synchronized void atMost(long[] limit) {
        for (int partition = 0; partition < Math.min(next.length, limit.length); partition++) {
            if (limit[partition] >= 0 && next[partition] > limit[partition]) {
                next[partition] = limit[partition];
            }
        }
    }

    /** The positions as a {@link RecoveryOffset} string. */
    public synchronized String encode(String epoch) {
        return RecoveryOffset.encode(epoch, next);
    }

    /** Whether {@code other} is at or past this session's position on every partition this session knows. */
    public synchronized boolean coveredBy(long[] other) {
        for (int partition = 0; partition < next.length; partition++) {
            long theirs = partition < other.length ? other[partition] : -1;
            if (next[partition] >= 0 && theirs < next[partition]) {
                return false;
            }
        }
        return true;
    }

    /** The furthest of this session's and {@code other}'s position, per partition. */
    public synchronized long[] furthestWith(long[] other) {
        long[] merged = Arrays.copyOf(next, Math.max(next.length, other.length));
        for (int partition = 0; partition < other.length; partition++) {
            merged[partition] = Math.max(partition < next.length ? next[partition] : -1, other[partition]);
        }
        return merged;
    }

    public synchronized long[] snapshot() {
        return next.clone();
    }

    private void grow(int partition) {
        if (partition >= next.length) {
            int old = next.length;
            next = Arrays.copyOf(next, Math.max(partition + 1, sizeHint));
            Arrays.fill(next, old, next.length, -1L);
        }
    }
}
