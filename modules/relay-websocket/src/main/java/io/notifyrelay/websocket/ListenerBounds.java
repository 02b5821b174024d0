package io.notifyrelay.websocket;

import java.time.Duration;
import java.util.Objects;

/**
 * What a client may make the listener hold before its request is a session: the bounds that keep anonymous
 * connections (slow or huge requests, connections that never upgrade) from taking a node's heap or descriptors.
 *
 * @param maxHeaderBytes        bytes of request line and headers; beyond, the connection is closed
 * @param maxHeaders            header fields of one request; beyond, the connection is closed
 * @param requestTimeout        time from a request's first byte to its last header; then the connection is closed
 * @param idleTimeout           time a connection may stay open without starting a request (new or kept alive)
 * @param maxRequestBytes       body bytes of a plain HTTP request
 * @param maxConnections        open TCP connections on the client listener, of every kind; beyond, refused at accept
 * @param maxPendingConnections open connections that are not (yet) WebSocket sessions; beyond, refused at accept
 */
public record ListenerBounds(int maxHeaderBytes, int maxHeaders, Duration requestTimeout, Duration idleTimeout,
                             long maxRequestBytes, int maxConnections, int maxPendingConnections) {

    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 100;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 2000;

    public ListenerBounds {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxHeaderBytes <= 0 || maxHeaders <= 0 || maxRequestBytes <= 0 || maxConnections <= 0
                || maxPendingConnections <= 0 || requestTimeout.isNegative() || requestTimeout.isZero()
                || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("every listener bound must be positive: " + this);
        }
    }

    /** The shipped defaults, with {@code maxConnections} as given (it depends on the process's descriptor limit). */
    public static ListenerBounds defaults(int maxConnections) {
        return new ListenerBounds(DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_REQUEST_BYTES, maxConnections,
                Math.min(DEFAULT_MAX_PENDING_CONNECTIONS, maxConnections));
    }
}
