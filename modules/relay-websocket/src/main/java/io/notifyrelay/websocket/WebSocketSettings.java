package io.notifyrelay.websocket;

import java.time.Duration;
import java.util.Objects;

/**
 * The WebSocket and HTTP side of one relay node.
 *
 * @param host                  interface to bind, e.g. {@code 0.0.0.0}
 * @param port                  HTTP port; 0 picks a free one (tests)
 * @param nodeId                this node's name, sent in {@code welcome}
 * @param authTimeout           how long a new connection may take to send {@code auth}
 * @param heartbeatInterval     how often the server pings; a session silent for two intervals is closed
 * @param maxOutboundBytes      bytes queued for a session beyond which it is closed as too slow (4429)
 * @param maxInboundFrameBytes  largest client frame accepted
 * @param maxContactsPerSession most contacts one session may subscribe to
 * @param shutdownGrace         how long {@code stop()} waits for sessions to get their close frame
 */
public record WebSocketSettings(String host, int port, String nodeId, Duration authTimeout,
                                Duration heartbeatInterval, long maxOutboundBytes, int maxInboundFrameBytes,
                                int maxContactsPerSession, Duration shutdownGrace) {
    public WebSocketSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(authTimeout, "authTimeout");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
    }

    /** Defaults suitable for tests and development: port 0, short timeouts. */
    public static WebSocketSettings defaults(String nodeId) {
        return new WebSocketSettings("127.0.0.1", 0, nodeId, Duration.ofSeconds(10), Duration.ofSeconds(25),
                1 << 20, 64 * 1024, 1000, Duration.ofSeconds(5));
    }

    public WebSocketSettings withPort(int newPort) {
        return new WebSocketSettings(host, newPort, nodeId, authTimeout, heartbeatInterval, maxOutboundBytes,
                maxInboundFrameBytes, maxContactsPerSession, shutdownGrace);
    }

    public WebSocketSettings withAuthTimeout(Duration timeout) {
        return new WebSocketSettings(host, port, nodeId, timeout, heartbeatInterval, maxOutboundBytes,
                maxInboundFrameBytes, maxContactsPerSession, shutdownGrace);
    }

    public WebSocketSettings withHeartbeatInterval(Duration interval) {
        return new WebSocketSettings(host, port, nodeId, authTimeout, interval, maxOutboundBytes,
                maxInboundFrameBytes, maxContactsPerSession, shutdownGrace);
    }

    public WebSocketSettings withMaxOutboundBytes(long bytes) {
        return new WebSocketSettings(host, port, nodeId, authTimeout, heartbeatInterval, bytes,
                maxInboundFrameBytes, maxContactsPerSession, shutdownGrace);
    }
}
