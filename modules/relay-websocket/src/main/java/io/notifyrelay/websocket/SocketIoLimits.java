package io.notifyrelay.websocket;

/**
 * What one socket.io client may make a node do before and after its CONNECT.
 *
 * @param maxPacketsPerSecond Engine.IO packets one session may send per second, before and after CONNECT; beyond,
 *                            the session is closed
 * @param maxUnauthenticated  Engine.IO sessions on this node that have not completed a CONNECT with a valid token
 *                            (each has {@code RELAY_AUTH_TIMEOUT} to do so); beyond, new handshakes get 503
 */
public record SocketIoLimits(int maxPacketsPerSecond, int maxUnauthenticated) {

    public SocketIoLimits {
        if (maxPacketsPerSecond <= 0 || maxUnauthenticated <= 0) {
            throw new IllegalArgumentException("socket.io limits must be positive: " + maxPacketsPerSecond + ", "
                    + maxUnauthenticated);
        }
    }

    public static SocketIoLimits defaults() {
        return new SocketIoLimits(50, 1000);
    }
}
