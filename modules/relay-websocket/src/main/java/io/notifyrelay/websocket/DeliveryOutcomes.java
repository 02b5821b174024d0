package io.notifyrelay.websocket;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.receipt.EventRef;

/**
 * What sessions report about the events they were handed, for receipts. Called on the consumer, replay and I/O
 * threads: must neither block nor throw.
 */
public interface DeliveryOutcomes {

    DeliveryOutcomes NONE = new DeliveryOutcomes() {
        @Override
        public void dropped(RelayEvent event) {
        }

        @Override
        public void acknowledged(EventRef event) {
        }
    };

    /** A live event a subscribed session did not get: it was closed as too slow, or the write failed. */
    void dropped(RelayEvent event);

    /** A client confirmed an event it received. */
    void acknowledged(EventRef event);
}
