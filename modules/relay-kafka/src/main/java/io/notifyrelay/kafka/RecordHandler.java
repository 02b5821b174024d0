package io.notifyrelay.kafka;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.RelayEvent;

/** What the poll loop does with each record. Called on the consumer thread; must not block. */
public interface RecordHandler {

    void onEvent(RelayEvent event);

    void onRejected(DecodeResult.Rejected rejected);
}
