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
}
