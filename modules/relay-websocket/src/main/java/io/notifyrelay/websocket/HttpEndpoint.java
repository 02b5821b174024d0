package io.notifyrelay.websocket;

import java.util.Map;

/**
 * A plain HTTP GET endpoint served beside the WebSocket, so other modules can add endpoints
 * (routes, metrics) without touching Undertow. Called on a worker thread; may block briefly.
 */
@FunctionalInterface
public interface HttpEndpoint {

    Response handle(Map<String, String> queryParameters);

    record Response(int status, String contentType, byte[] body) {
        public static Response json(int status, String json) {
            return new Response(status, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
