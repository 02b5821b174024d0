package io.notifyrelay.client;

import java.util.concurrent.ScheduledFuture;

/** The client's session with one node: its protocol state, and the connection and timers that carry it. */
final class Node extends NodeSession {
    Connection connection;
    WebSocketTransport.Socket socket;
    ScheduledFuture<?> reconnectTask;
    ScheduledFuture<?> heartbeatTask;
    long lastHeardNanos = System.nanoTime();
    int failures;
    ConnectionState reported;
    /** What the node's welcome named the current session; null between sessions. */
    String sessionId;

    Node(String url) {
        super(url);
    }
}
