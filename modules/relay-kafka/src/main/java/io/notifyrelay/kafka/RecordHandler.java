package io.notifyrelay.kafka;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.RelayEvent;

/** What the poll loop does with each record. Called on the consumer thread; must not block. */
public interface RecordHandler {

    void onEvent(RelayEvent event);

    void onRejected(DecodeResult.Rejected rejected);

    /**
     * Wraps the handling of one poll's records (a delivery batch), e.g. in a tracing span. {@code handleAll}
     * calls {@link #onEvent} or {@link #onRejected} for each record, in order; an implementation must run it
     * exactly once and must not throw.
     */
    default void onBatch(int records, Runnable handleAll) {
        handleAll.run();
    }

    /**
     * Everything of {@code partition} before {@code nextOffset} has been handed over (or skipped). Called before
     * each record's {@link #onEvent}/{@link #onRejected} with that record's offset + 1, and once after a partition
     * is assigned with the consumer's position, so the handler knows the loop's delivery position per partition
     * (a resume point for sessions that are live on this node). Must not block.
     */
    default void onPosition(int partition, long nextOffset) {
    }
}
