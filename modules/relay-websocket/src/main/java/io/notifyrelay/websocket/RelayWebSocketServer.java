package io.notifyrelay.websocket;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.Dispatcher;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionAcceptor;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.internal.SessionContext;
import io.notifyrelay.websocket.internal.WsSession;
import io.notifyrelay.websocket.socketio.SocketIoEndpoint;
import io.notifyrelay.websocket.tls.ServerTls;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and WebSocket face of one relay node, on Undertow: the {@code /v1/ws} endpoint, health
 * checks, and whatever GET endpoints the application adds. Immutable once built; {@link #start()} and
 * {@link #stop()} are explicit.
 */
public final class RelayWebSocketServer implements AutoCloseable {

    public static final String WEBSOCKET_PATH = "/v1/ws";

    private static final Logger log = LoggerFactory.getLogger(RelayWebSocketServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocketSettings settings;
    private final SessionAcceptor acceptor;
    private final Dispatcher<Subscriber> dispatcher;
    private final BooleanSupplier ready;
    private final BooleanSupplier alive;
    private final Supplier<Map<String, Object>> readinessDetails;
    private final Undertow undertow;
    private final SessionLimits limits;
    private final ServerTls tls;
    private volatile boolean accepting = true;
    /** While this node cannot reach Kafka and another node can, new sessions are sent there. */
    private volatile boolean sendingElsewhere;
    /** One heartbeat timer for the node rather than one per session (~130 bytes of timer state each). */
    private volatile org.xnio.XnioExecutor.Key heartbeats;

    private RelayWebSocketServer(Builder builder) {
        this.settings = builder.settings;
        SubscriptionRegistry<Subscriber> registry = new SubscriptionRegistry<>();
        this.dispatcher = new Dispatcher<>(registry);
        this.limits = builder.limits;
        SessionMetrics metrics = new SessionMetrics(builder.meterRegistry);
        this.acceptor = new SessionAcceptor(onClosed ->
                new SessionContext(builder.settings, builder.tokenVerifier, registry, builder.partitions,
                        builder.replayer, builder.limits, new LobSessionCounts(builder.limits.maxSessionsPerLob()),
                        metrics, onClosed, builder.tokenLifecycle));
        Gauge.builder("relay.sessions", acceptor, a -> a.sessions().size())
                .description("WebSocket sessions on this node").register(builder.meterRegistry);
        Gauge.builder("relay.subscriptions", registry, SubscriptionRegistry::lobWideSubscriptionCount).tag("kind", "lob")
                .description("Subscriptions to a whole LOB").register(builder.meterRegistry);
        Gauge.builder("relay.subscriptions", registry, SubscriptionRegistry::contactSubscriptionCount)
                .tag("kind", "contact").description("Subscriptions to one contact").register(builder.meterRegistry);
        this.ready = builder.ready;
        this.alive = builder.alive;
        this.readinessDetails = builder.readinessDetails;

        PathHandler paths = Handlers.path()
                .addExactPath(WEBSOCKET_PATH, admission(forgetUpgradeHeaders(Handlers.websocket(acceptor))))
                .addExactPath("/health/live", this::live)
                .addExactPath("/health/ready", this::ready)
                .addPrefixPath(SocketIoEndpoint.PATH, admission(
                        new SocketIoEndpoint(settings, builder.tokenVerifier, registry, builder.partitions)));
        builder.endpoints.forEach((path, endpoint) -> paths.addExactPath(path, blocking(endpoint)));
        this.tls = builder.tls;
        Undertow.Builder listener = Undertow.builder();
        if (tls != null) {
            listener.addHttpsListener(settings.port(), settings.host(), tls.sslContext());
        } else {
            listener.addHttpListener(settings.port(), settings.host());
        }
        this.undertow = listener.setHandler(paths).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public void start() {
        undertow.start();
        long heartbeatMs = settings.heartbeatInterval().toMillis();
        heartbeats = undertow.getWorker().getIoThread().executeAtInterval(
                () -> acceptor.sessions().forEach(WsSession::heartbeatOnItsThread), heartbeatMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        log.info("Relay node {} listening on {}{}", settings.nodeId(), webSocketUrl(),
                tls == null ? "" : " (TLS: " + tls.describe() + ")");
    }

    /** The port actually bound: differs from the configured one when that was 0. */
    public int port() {
        return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
    }

    public String webSocketUrl() {
        String host = "0.0.0.0".equals(settings.host()) ? "localhost" : settings.host();
        return (isTls() ? "wss://" : "ws://") + host + ':' + port() + WEBSOCKET_PATH;
    }

    /** Whether the listener speaks TLS (https:// and wss://). */
    public boolean isTls() {
        return tls != null;
    }

    /** Delivers one event to every session on this node that must have it; returns how many. */
    public int deliver(RelayEvent event) {
        return dispatcher.dispatch(event);
    }

    /** The group took these partitions away: sessions served through them will be told to move. */
    public void partitionsRevoked(Set<Integer> revoked) {
        acceptor.sessions().forEach(session -> session.notifyRevoked(Set.copyOf(revoked)));
    }

    public void partitionsAssigned(Set<Integer> assigned) {
        acceptor.sessions().forEach(session -> session.notifyAssigned(Set.copyOf(assigned)));
    }

    /** The topic has more partitions than {@code previous}: contacts placed elsewhere now are told where. */
    public void partitionCountChanged(int previous) {
        acceptor.sessions().forEach(session -> session.notifyPartitionCountChanged(previous));
    }

    /**
     * This node lost (or regained) Kafka. Sessions get a {@code status} frame; with {@code sendElsewhere}
     * (another node is ready) they are closed with {@link CloseCodes#KAFKA_UNREACHABLE} and new ones refused,
     * so clients reconnect to a node that can serve them, from their cursors.
     */
    public void kafkaLinkChanged(boolean reachable, boolean sendElsewhere) {
        sendingElsewhere = !reachable && sendElsewhere;
        for (WsSession session : acceptor.sessions()) {
            session.notifyKafkaStatus(reachable);
            if (sendingElsewhere) {
                session.onIoThread(() -> session.close(CloseCodes.KAFKA_UNREACHABLE,
                        "this node cannot reach Kafka; reconnect to another node"));
            }
        }
    }

    /** New owners are known: sessions waiting for them get their {@code moved} frames. */
    public void routesChanged() {
        acceptor.sessions().forEach(WsSession::notifyRoutesChanged);
    }

    public int sessionCount() {
        return acceptor.sessions().size();
    }

    /** Stops taking new sessions; existing ones keep running until {@link #stop()}. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Closes every session with 1001 (going away), waits briefly for the close frames, then stops. */
    public void stop() {
        accepting = false;
        for (WsSession session : acceptor.sessions()) {
            session.onIoThread(() -> session.close(CloseCodes.GOING_AWAY, "node shutting down; reconnect"));
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (!acceptor.sessions().isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000L); // sessions leave as their close handshakes finish
        }
        org.xnio.XnioExecutor.Key sweep = heartbeats;
        if (sweep != null) {
            sweep.remove();
        }
        undertow.stop();
    }

    @Override
    public void close() {
        stop();
    }

    /** Refuses handshakes while stopping, when the node is full, or from an Origin not on the allow-list. */
    private HttpHandler admission(HttpHandler next) {
        return exchange -> {
            if (!accepting) {
                refuse(exchange, 503, "node is shutting down; connect to another node");
                return;
            }
            if (sendingElsewhere) {
                refuse(exchange, 503, "node cannot reach Kafka; connect to another node");
                return;
            }
            if (acceptor.sessions().size() >= limits.maxSessions()) {
                refuse(exchange, 503, "node has its maximum of " + limits.maxSessions() + " sessions");
                return;
            }
            String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
            if (origin != null && !limits.allowedOrigins().isEmpty() && !limits.allowedOrigins().contains(origin)) {
                refuse(exchange, 403, "origin " + origin + " is not allowed (RELAY_ALLOWED_ORIGINS)");
                return;
            }
            next.handleRequest(exchange);
        };
    }

    private static void refuse(HttpServerExchange exchange, int status, String message) {
        exchange.setStatusCode(status);
        if (status == 503) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        }
        exchange.getResponseSender().send(message);
    }

    private void live(HttpServerExchange exchange) {
        boolean isAlive = alive.getAsBoolean();
        sendJson(exchange, isAlive ? 200 : 503, Map.of("status", isAlive ? "UP" : "DOWN", "node", settings.nodeId()));
    }

    private void ready(HttpServerExchange exchange) {
        boolean isReady = accepting && ready.getAsBoolean();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", isReady ? "UP" : "DOWN");
        body.put("node", settings.nodeId());
        body.put("sessions", sessionCount());
        body.putAll(readinessDetails.get());
        sendJson(exchange, isReady ? 200 : 503, body);
    }

    private HttpHandler blocking(HttpEndpoint endpoint) {
        return exchange -> {
            allowCrossOrigin(exchange);
            if (exchange.isInIoThread()) {
                exchange.dispatch(e -> respond(e, endpoint));
                return;
            }
            respond(exchange, endpoint);
        };
    }

    /**
     * Browser clients on another origin read {@code /v1/routes} to find the nodes they need; let them,
     * for the origins the WebSocket accepts.
     */
    private void allowCrossOrigin(HttpServerExchange exchange) {
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (origin != null && (limits.allowedOrigins().isEmpty() || limits.allowedOrigins().contains(origin))) {
            exchange.getResponseHeaders().put(HttpString.tryFromString("Access-Control-Allow-Origin"), origin);
            exchange.getResponseHeaders().put(Headers.VARY, "Origin");
        }
    }

    private static void respond(HttpServerExchange exchange, HttpEndpoint endpoint) {
        if (!Methods.GET.equals(exchange.getRequestMethod())) {
            exchange.setStatusCode(405);
            exchange.endExchange();
            return;
        }
        Map<String, String> query = new LinkedHashMap<>();
        for (Map.Entry<String, Deque<String>> parameter : exchange.getQueryParameters().entrySet()) {
            query.put(parameter.getKey(), parameter.getValue().peekFirst());
        }
        HttpEndpoint.Response response = endpoint.handle(query);
        exchange.setStatusCode(response.status());
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, response.contentType());
        exchange.getResponseSender().send(ByteBuffer.wrap(response.body()));
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

    /** Builds a server; everything but the settings, verifier and partition view has a default. */
    public static final class Builder {
        private WebSocketSettings settings;
        private TokenVerifier tokenVerifier;
        private PartitionView partitions;
        private Replayer replayer = Replayer.LIVE_ONLY;
        private SessionLimits limits = SessionLimits.defaults();
        private MeterRegistry meterRegistry = new CompositeMeterRegistry();
        private TokenLifecycle tokenLifecycle = TokenLifecycle.DEFAULTS;
        private ServerTls tls;
        private BooleanSupplier ready = () -> true;
        private BooleanSupplier alive = () -> true;
        private Supplier<Map<String, Object>> readinessDetails = Map::of;
        private final Map<String, HttpEndpoint> endpoints = new LinkedHashMap<>();

        public Builder settings(WebSocketSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder tokenVerifier(TokenVerifier tokenVerifier) {
            this.tokenVerifier = tokenVerifier;
            return this;
        }

        public Builder partitions(PartitionView partitions) {
            this.partitions = partitions;
            return this;
        }

        public Builder limits(SessionLimits limits) {
            this.limits = limits;
            return this;
        }

        /** The token_expiring warning and the refresh window; {@link TokenLifecycle#DEFAULTS} by default. */
        public Builder tokenLifecycle(TokenLifecycle tokenLifecycle) {
            this.tokenLifecycle = Objects.requireNonNull(tokenLifecycle, "tokenLifecycle");
            return this;
        }

        /** Serves https:// and wss:// with this key and certificate; null (the default) for plain http/ws. */
        public Builder tls(ServerTls tls) {
            this.tls = tls;
            return this;
        }

        /** Where the sessions' meters go; by default nowhere. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** How sessions that subscribe with cursors or a time are brought up to date. */
        public Builder replayer(Replayer replayer) {
            this.replayer = replayer;
            return this;
        }

        /** What {@code /health/ready} answers, and details to show with it. */
        public Builder readiness(BooleanSupplier ready, Supplier<Map<String, Object>> details) {
            this.ready = ready;
            this.readinessDetails = details;
            return this;
        }

        /** What {@code /health/live} answers: false (503) tells the orchestrator to restart the node. */
        public Builder liveness(BooleanSupplier alive) {
            this.alive = Objects.requireNonNull(alive, "alive");
            return this;
        }

        public Builder endpoint(String path, HttpEndpoint endpoint) {
            endpoints.put(path, endpoint);
            return this;
        }

        public Builder endpoints(Map<String, HttpEndpoint> more) {
            endpoints.putAll(more);
            return this;
        }

        public RelayWebSocketServer build() {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(tokenVerifier, "tokenVerifier");
            Objects.requireNonNull(partitions, "partitions");
            return new RelayWebSocketServer(this);
        }
    }

    /**
     * Undertow keeps the upgrade's exchange reachable from the connection for the whole WebSocket session;
     * its request and response headers (~0.9 KB per idle session) are never read again.
     */
    private static HttpHandler forgetUpgradeHeaders(HttpHandler next) {
        return exchange -> {
            exchange.addExchangeCompleteListener((done, nextListener) -> {
                try {
                    nextListener.proceed();
                } finally {
                    done.getRequestHeaders().clear();
                    done.getResponseHeaders().clear();
                }
            });
            next.handleRequest(exchange);
        };
    }
}
