package io.notifyrelay.core.routing;

import io.notifyrelay.core.RelayEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A subscriber that remembers what it was given; hash code fixed when a test needs a known iteration order. */
final class TestSubscriber implements Subscriber {

    final String name;
    private final Integer hash;
    final List<RelayEvent> received = new CopyOnWriteArrayList<>();

    TestSubscriber(String name) {
        this(name, null);
    }

    TestSubscriber(String name, Integer hash) {
        this.name = name;
        this.hash = hash;
    }

    @Override
    public void deliver(RelayEvent event) {
        received.add(event);
    }

    @Override
    public int hashCode() {
        return hash != null ? hash : super.hashCode();
    }

    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public String toString() {
        return name;
    }
}
