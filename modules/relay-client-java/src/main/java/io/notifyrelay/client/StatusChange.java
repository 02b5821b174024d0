package io.notifyrelay.client;

import java.time.Instant;

/**
 * A change of state of the whole client ({@code node == null}) or of its session with one node.
 *
 * @param node   WebSocket URL of the node, or null for the client as a whole
 * @param state  the new state
 * @param detail why, for logs: a close code and reason, "moved", "replay incomplete: retention", …
 * @param at     when it happened
 */
public record StatusChange(String node, ConnectionState state, String detail, Instant at) {

    public boolean overall() {
        return node == null;
    }
}
