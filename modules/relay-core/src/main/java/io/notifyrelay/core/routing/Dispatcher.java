package io.notifyrelay.core.routing;

import io.notifyrelay.core.RelayEvent;

/** Delivers each event to the subscribers the {@link SubscriptionRegistry} names, and counts them. */
public final class Dispatcher<S extends Subscriber> {

    private final SubscriptionRegistry<S> registry;

    public Dispatcher(SubscriptionRegistry<S> registry) {
        this.registry = registry;
    }

    /** Returns the number of sessions the event was handed to; 0 when nobody on this node wants it. */
    public int dispatch(RelayEvent event) {
        return registry.forEachRecipient(event.lobId(), event.contactId(), subscriber -> subscriber.deliver(event));
    }
}
