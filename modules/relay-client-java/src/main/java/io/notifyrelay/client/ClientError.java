package io.notifyrelay.client;

import java.time.Instant;

/**
 * Something the application may want to know that is not a change of state, as the JS client's {@code error}
 * event: {@code closed_too_slow} (a node says it closed the previous session as too slow, 4429, a close the
 * client may only have seen as 1006), an {@code error} frame of a node (its {@code code}), or, with
 * {@code fatal}, why the client stopped ({@code forbidden}, then {@link ConnectionState#FAILED}).
 *
 * @param code    machine-readable: {@code closed_too_slow}, {@code forbidden}, or a relay error code
 * @param message for people and logs
 * @param node    WebSocket URL of the node concerned, or null
 * @param fatal   true when the client stopped for good
 * @param at      when it happened
 */
public record ClientError(String code, String message, String node, boolean fatal, Instant at) {
}
