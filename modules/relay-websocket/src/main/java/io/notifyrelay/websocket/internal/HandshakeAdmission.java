package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.SessionLimits;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.function.IntSupplier;

/**
 * Whether a handshake that would make a new session (of either transport) may go on; if not, it is answered: 503
 * while the node stops, while it cannot reach Kafka and another node can, or when it has {@code RELAY_MAX_SESSIONS}
 * sessions; 403 for an Origin not on the allow-list.
 */
public final class HandshakeAdmission {

    private final SessionLimits limits;
    private final IntSupplier sessionCount;
    private volatile boolean accepting = true;
    /** While this node cannot reach Kafka and another node can, new sessions are sent there. */
    private volatile boolean sendingElsewhere;

    /** @param sessionCount the node's sessions, both transports */
    public HandshakeAdmission(SessionLimits limits, IntSupplier sessionCount) {
        this.limits = limits;
        this.sessionCount = sessionCount;
    }

    /** No new sessions from now on (the node is stopping). */
    public void stopAccepting() {
        accepting = false;
    }

    public boolean accepting() {
        return accepting;
    }

    /** New sessions are sent to another node while {@code elsewhere} holds. */
    public void sendElsewhere(boolean elsewhere) {
        sendingElsewhere = elsewhere;
    }

    public boolean sendingElsewhere() {
        return sendingElsewhere;
    }

    public boolean admit(HttpServerExchange exchange) {
        if (!accepting) {
            refuse(exchange, 503, "node is shutting down; connect to another node");
            return false;
        }
        if (sendingElsewhere) {
            refuse(exchange, 503, "node cannot reach Kafka; connect to another node");
            return false;
        }
        if (sessionCount.getAsInt() >= limits.maxSessions()) {
            refuse(exchange, 503, "node has its maximum of " + limits.maxSessions() + " sessions");
            return false;
        }
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (origin != null && !limits.allowedOrigins().isEmpty() && !limits.allowedOrigins().contains(origin)) {
            refuse(exchange, 403, "origin is not allowed (RELAY_ALLOWED_ORIGINS)");
            return false;
        }
        return true;
    }

    private static void refuse(HttpServerExchange exchange, int status, String message) {
        exchange.setStatusCode(status);
        if (status == 503) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        }
        exchange.getResponseSender().send(message);
    }
}
