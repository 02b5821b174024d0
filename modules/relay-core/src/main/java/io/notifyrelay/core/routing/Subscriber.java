package io.notifyrelay.core.routing;

import io.notifyrelay.core.RelayEvent;

/** Something that receives events: in the relay, one WebSocket session. */
public interface Subscriber {

    /**
     * Hands over one event. Must not block: the caller is the consumer loop, and a slow recipient must
     * never delay the others.
     */
    void deliver(RelayEvent event);
}
