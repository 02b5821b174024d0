package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.HttpEndpoint;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Undertow handlers for the plain HTTP endpoints other modules add ({@link HttpEndpoint}): GET, or POST only. */
public final class HttpEndpointHandlers {

    private static final HttpString ALLOW_ORIGIN = HttpString.tryFromString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_METHODS = HttpString.tryFromString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = HttpString.tryFromString("Access-Control-Allow-Headers");
    private static final HttpString MAX_AGE = HttpString.tryFromString("Access-Control-Max-Age");
    /** Browsers cap it anyway (Chromium at 2 h); 10 min keeps a changed allow-list from lingering. */
    private static final long PREFLIGHT_MAX_AGE_SECONDS = 600;

    private final Set<String> allowedOrigins;

    /** @param allowedOrigins the origins whose pages may read GET endpoints (empty: any) */
    public HttpEndpointHandlers(Set<String> allowedOrigins) {
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    /**
     * A GET endpoint, run on a worker thread; with {@code crossOrigin}, readable by pages of the allowed origins,
     * preflight included (a GET with {@code Authorization}, as {@code /v1/presence} needs, is not a simple request).
     */
    public HttpHandler get(HttpEndpoint endpoint, boolean crossOrigin) {
        return exchange -> {
            if (crossOrigin) {
                boolean allowed = allowCrossOrigin(exchange);
                if (Methods.OPTIONS.equals(exchange.getRequestMethod())) {
                    preflight(exchange, allowed);
                    return;
                }
            }
            if (exchange.isInIoThread()) {
                exchange.dispatch(e -> respond(e, endpoint, Methods.GET));
                return;
            }
            respond(exchange, endpoint, Methods.GET);
        };
    }

    /**
     * A POST-only endpoint with no CORS headers at all, that refuses (403) a request whose Origin is another site:
     * a page elsewhere cannot read its answer nor make a browser call it (its POST carries that page's Origin).
     */
    public HttpHandler post(HttpEndpoint endpoint) {
        return exchange -> {
            String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
            String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
            if (origin != null && (host == null || !(origin.equals("http://" + host) || origin.equals("https://" + host)))) {
                exchange.setStatusCode(403);
                exchange.getResponseSender().send("cross-origin requests are refused here");
                return;
            }
            if (exchange.isInIoThread()) {
                exchange.dispatch(e -> respond(e, endpoint, Methods.POST));
                return;
            }
            respond(exchange, endpoint, Methods.POST);
        };
    }

    /**
     * Browser clients on another origin read {@code /v1/routes} to find the nodes they need, and
     * {@code /v1/presence}; let them, for the origins the WebSocket accepts. True when the origin may read.
     */
    private boolean allowCrossOrigin(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.VARY, "Origin");
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (origin != null && (allowedOrigins.isEmpty() || allowedOrigins.contains(origin))) {
            exchange.getResponseHeaders().put(ALLOW_ORIGIN, origin);
            return true;
        }
        return false;
    }

    /** The browser asks before a GET with a bearer token; another origin gets no CORS headers, so it may not. */
    private static void preflight(HttpServerExchange exchange, boolean allowed) {
        if (allowed) {
            exchange.getResponseHeaders().put(ALLOW_METHODS, "GET")
                    .put(ALLOW_HEADERS, "Authorization")
                    .put(MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS);
        }
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    private static void respond(HttpServerExchange exchange, HttpEndpoint endpoint, HttpString method) {
        if (!method.equals(exchange.getRequestMethod())) {
            exchange.setStatusCode(405);
            exchange.getResponseHeaders().put(Headers.ALLOW, method.toString());
            exchange.endExchange();
            return;
        }
        Map<String, String> query = new LinkedHashMap<>();
        for (Map.Entry<String, Deque<String>> parameter : exchange.getQueryParameters().entrySet()) {
            query.put(parameter.getKey(), parameter.getValue().peekFirst());
        }
        HttpEndpoint.Response response = endpoint.handle(query, name -> exchange.getRequestHeaders().getFirst(name));
        exchange.setStatusCode(response.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, response.contentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(response.body()));
    }

}
