package io.notifyrelay.websocket;

import java.util.Set;

/**
 * What one node lets clients do, so a flood from one client or one LOB cannot take the node from others.
 *
 * @param maxSessions        sessions on this node; beyond, the handshake is refused with 503
 * @param maxSessionsPerLob  authenticated sessions of one LOB on this node; beyond, close 1013 (try again later)
 * @param allowedOrigins     browser origins allowed to connect (e.g. {@code https://app.example.com}); empty
 *                           allows any. A handshake without Origin (not a browser) is allowed: it still needs a token.
 * @param maxFramesPerSecond client frames per session per second; beyond, close 1008 (policy violation)
 */
public record SessionLimits(int maxSessions, int maxSessionsPerLob, Set<String> allowedOrigins,
                            int maxFramesPerSecond) {
    public SessionLimits {
        allowedOrigins = Set.copyOf(allowedOrigins);
    }

    public static SessionLimits defaults() {
        return new SessionLimits(100_000, 20_000, Set.of(), 50);
    }
}
