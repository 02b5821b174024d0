package io.notifyrelay.websocket.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** {@code /health/live} and {@code /health/ready}: 200 with {@code UP}, else 503 with {@code DOWN}, as JSON. */
public final class HealthHandlers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String nodeId;
    private final BooleanSupplier alive;
    private final BooleanSupplier ready;
    private final IntSupplier sessionCount;
    private final Supplier<Map<String, Object>> readinessDetails;

    /** @param ready whether the node is ready, its own stopping included */
    public HealthHandlers(String nodeId, BooleanSupplier alive, BooleanSupplier ready, IntSupplier sessionCount,
                          Supplier<Map<String, Object>> readinessDetails) {
        this.nodeId = nodeId;
        this.alive = alive;
        this.ready = ready;
        this.sessionCount = sessionCount;
        this.readinessDetails = readinessDetails;
    }

    public void live(HttpServerExchange exchange) {
        boolean isAlive = alive.getAsBoolean();
        sendJson(exchange, isAlive ? 200 : 503, Map.of("status", isAlive ? "UP" : "DOWN", "node", nodeId));
    }

    public void ready(HttpServerExchange exchange) {
        boolean isReady = ready.getAsBoolean();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", isReady ? "UP" : "DOWN");
        body.put("node", nodeId);
        body.put("sessions", sessionCount.getAsInt());
        body.putAll(readinessDetails.get());
        sendJson(exchange, isReady ? 200 : 503, body);
    }

    private static void sendJson(HttpServerExchange exchange, int status, Object body) {
        try {
            exchange.setStatusCode(status);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(ByteBuffer.wrap(JSON.writeValueAsBytes(body)));
        } catch (Exception e) {
            exchange.setStatusCode(500);
            exchange.endExchange();
        }
    }
}
