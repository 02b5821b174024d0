package io.notifyrelay.client;

/** Where the client (or one of its node sessions) stands. */
public enum ConnectionState {
    /** Not yet served: finding the nodes, connecting, authenticating, subscribing. */
    CONNECTING,
    /** Everything subscribed is served and any replay is over: events arrive as they are published. */
    LIVE,
    /**
     * Everything subscribed is served, but a node serving it cannot reach Kafka (its {@code status} frame):
     * events are delayed, not lost; the node sends its sessions to another one when it can.
     */
    STALLED,
    /** Was live; part of the subscription is being re-established (a node left, a partition moved, a replay runs). */
    RECOVERING,
    /** Was live; no node can be reached at the moment. Retrying with backoff. */
    OFFLINE,
    /** Stopped for good: the server refused the subscription (4403). See the status detail. */
    FAILED,
    /** {@link NotifyRelayClient#close()} was called. */
    CLOSED
}
