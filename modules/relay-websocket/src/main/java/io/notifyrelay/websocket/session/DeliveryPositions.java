package io.notifyrelay.websocket.session;

import io.notifyrelay.core.RelayEvent;
import java.util.Arrays;

/**
 * The node's delivery position per partition: the next offset the consumer loop will hand over. Because a node
 * emits events in one order, this vector taken while an event is being delivered is a valid resume point for
 * every recipient of the event that is caught up (not replaying), so its encoded form is built once per event and
 * shared by all of them ({@link #sharedOffset}), and only if someone asks.
 *
 * <p>Confined to the consumer thread: it advances there (before each record) and is read there (live delivery,
 * the resume seam).
 */
public final class DeliveryPositions {

    private final String epoch;
    private long[] next = new long[0];
    /** Grows whenever a position may have gone back (a partition forgotten, re-seeded): caches compare it. */
    private long generation;
    private RelayEvent memoEvent;
    private String memoOffset;

    public DeliveryPositions(String epoch) {
        this.epoch = epoch;
    }

    public String epoch() {
        return epoch;
    }

    /** Everything of {@code partition} before {@code nextOffset} has been handed over. */
    public void advance(int partition, long nextOffset) {
        if (partition >= next.length) {
            int old = next.length;
            next = Arrays.copyOf(next, partition + 1);
            Arrays.fill(next, old, next.length, -1L);
        }
        if (nextOffset < next[partition]) {
            generation++;
        }
        next[partition] = nextOffset;
        memoEvent = null;
    }

    /** This node no longer reads {@code partition}: no resume point is offered for it. */
    public void forget(int partition) {
        if (partition < next.length && next[partition] >= 0) {
            next[partition] = -1;
            generation++;
            memoEvent = null;
        }
    }

    /** The next offset of {@code partition}, or -1 when not known. */
    public long next(int partition) {
        return partition < next.length ? next[partition] : -1;
    }

    public long[] snapshot() {
        return next.clone();
    }

    public long generation() {
        return generation;
    }

    /** The encoded vector as it stands while {@code event} is delivered; one string per event for all recipients. */
    public String sharedOffset(RelayEvent event) {
        if (memoEvent != event) {
            memoOffset = RecoveryOffset.encode(epoch, next);
            memoEvent = event;
        }
        return memoOffset;
    }
}
