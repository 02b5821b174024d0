package io.notifyrelay.websocket;

import java.util.Map;

/**
 * A plain HTTP GET endpoint served beside the WebSocket, so other modules can add endpoints
 * (routes, metrics) without touching Undertow. Called on a worker thread; may block briefly.
 */
@FunctionalInterface
public interface HttpEndpoint {

    Response handle(Map<String, String> queryParameters);

    /**
     * The same with the request's headers, for endpoints that read one (e.g. {@code Authorization}).
     *
     * @param header the first value of a request header by name (case-insensitive), or null
     */
    default Response handle(Map<String, String> queryParameters, java.util.function.UnaryOperator<String> header) {
        return handle(queryParameters);
    }

    record Response(int status, String contentType, byte[] body) {
        public static Response json(int status, String json) {
            return new Response(status, "application/json", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
