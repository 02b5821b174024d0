package io.notifyrelay.websocket;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.Dispatcher;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.notifyrelay.websocket.internal.HandshakeAdmission;
import io.notifyrelay.websocket.internal.HealthHandlers;
import io.notifyrelay.websocket.internal.HttpEndpointHandlers;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionAcceptor;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.internal.SessionContext;
import io.notifyrelay.websocket.internal.WsSession;
import io.notifyrelay.websocket.socketio.SocketIoEndpoint;
import io.notifyrelay.websocket.tls.ServerTls;
import io.notifyrelay.websocket.listener.RelayListeners;
import io.notifyrelay.websocket.listener.UpgradedConnections;
import io.micrometer.core.instrument.Counter;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import java.net.InetSocketAddress;
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

    private final WebSocketSettings settings;
    private final SessionAcceptor acceptor;
    private final Dispatcher<Subscriber> dispatcher;
    private final SubscriptionRegistry<Subscriber> registry;
    private final HandshakeAdmission admission;
    private final ServerTls tls;
    private final ListenerBounds listenerBounds;
    private final Integer managementPort;
    private final HttpHandler clientHandler;
    private final HttpHandler managementHandler;
    private final SocketIoEndpoint socketIo;
    private final io.notifyrelay.websocket.session.DeliveryPositions positions;
    private final UpgradedConnections upgraded = new UpgradedConnections();
    private final MeterRegistry meterRegistry;
    private final Map<String, Counter> refusedConnections = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile RelayListeners listeners;
    private volatile InetSocketAddress clientAddress;
    private volatile InetSocketAddress managementAddress;
    /** One heartbeat timer for the node rather than one per session (~130 bytes of timer state each). */
    private volatile org.xnio.XnioExecutor.Key heartbeats;

    private RelayWebSocketServer(Builder builder) {
        this.settings = builder.settings;
        SubscriptionRegistry<Subscriber> registry = new SubscriptionRegistry<>();
        this.dispatcher = new Dispatcher<>(registry);
        this.registry = registry;
        this.admission = new HandshakeAdmission(builder.limits, this::sessionCount);
        SessionMetrics metrics = new SessionMetrics(builder.meterRegistry);
        // a /v1/ws session subscribes to contacts of its claim one subscribe at a time, counted there; a socket.io
        // session subscribes to the whole claim at once, so its count is bounded at the token
        TokenVerifier webSocketVerifier = builder.bounds.bounding(builder.tokenVerifier, Integer.MAX_VALUE);
        TokenVerifier socketIoVerifier = builder.bounds.bounding(builder.tokenVerifier,
                builder.settings.maxContactsPerSession());
        // one count per LOB for both transports, so a LOB cannot double its share through /socket.io/
        LobSessionCounts lobSessions = new LobSessionCounts(builder.limits.maxSessionsPerLob());
        // why recent 4429 closes happened, told to the client when it comes back (its close frame may not have come)
        io.notifyrelay.websocket.session.RecentCloses recentCloses =
                new io.notifyrelay.websocket.session.RecentCloses(java.time.Clock.systemUTC());
        this.acceptor = new SessionAcceptor(onClosed ->
                new SessionContext(builder.settings, webSocketVerifier, registry, builder.partitions,
                        builder.replayer, builder.limits, lobSessions, metrics, onClosed, builder.tokenLifecycle,
                        builder.bounds, recentCloses, builder.outcomes, builder.ticker));
        this.positions = new io.notifyrelay.websocket.session.DeliveryPositions(builder.partitions.epoch());
        this.socketIo = new SocketIoEndpoint(settings, socketIoVerifier, registry, builder.partitions,
                builder.socketIoLimits, lobSessions, upgraded, this.admission::admit, builder.replayer, positions, metrics,
                builder.tokenLifecycle, recentCloses, builder.outcomes);
        this.meterRegistry = builder.meterRegistry;
        Gauge.builder("relay.sessions", this, RelayWebSocketServer::sessionCount)
                .description("Sessions on this node, /v1/ws and socket.io").register(builder.meterRegistry);
        Gauge.builder("relay.subscriptions", registry, SubscriptionRegistry::lobWideSubscriptionCount).tag("kind", "lob")
                .description("Subscriptions on this node, by kind: lob (a whole LOB) or contact (one contact)").register(builder.meterRegistry);
        Gauge.builder("relay.subscriptions", registry, SubscriptionRegistry::contactSubscriptionCount)
                .tag("kind", "contact").description("Subscriptions on this node, by kind: lob (a whole LOB) or contact (one contact)").register(builder.meterRegistry);
        for (String reason : java.util.List.of("max_connections", "max_pending_connections")) {
            refusedCounter(reason); // at zero from start-up, like every documented series
        }

        HttpHandler webSocketHandshake = forgetUpgradeHeaders(Handlers.websocket(upgraded.counting(acceptor)));
        HttpEndpointHandlers endpointHandlers = new HttpEndpointHandlers(builder.limits.allowedOrigins());
        PathHandler paths = Handlers.path()
                .addExactPath(WEBSOCKET_PATH, exchange -> {
                    if (admission.admit(exchange)) {
                        webSocketHandshake.handleRequest(exchange);
                    }
                })
                .addPrefixPath(SocketIoEndpoint.PATH, socketIo);
        builder.endpoints.forEach((path, endpoint) -> paths.addExactPath(path, endpointHandlers.get(endpoint, true)));
        builder.postEndpoints.forEach((path, endpoint) -> paths.addExactPath(path, endpointHandlers.post(endpoint)));
        this.managementPort = builder.managementPort;
        PathHandler management = managementPort == null ? paths : Handlers.path();
        HealthHandlers health = new HealthHandlers(settings.nodeId(), builder.alive,
                () -> admission.accepting() && builder.ready.getAsBoolean(), this::sessionCount, builder.readinessDetails);
        management.addExactPath("/health/live", health::live).addExactPath("/health/ready", health::ready);
        builder.managementEndpoints.forEach((path, endpoint) -> management.addExactPath(path, endpointHandlers.get(endpoint, false)));
        this.clientHandler = paths;
        this.managementHandler = managementPort == null ? null : management;
        this.tls = builder.tls;
        this.listenerBounds = builder.listenerBounds;
    }

    public static Builder builder() {
        return new Builder();
    }

    public void start() {
        RelayListeners opened = RelayListeners.open();
        try {
            clientAddress = opened.openClientListener(settings.host(), settings.port(),
                    tls == null ? null : tls.sslContext(), clientHandler, listenerBounds, upgraded::count,
                    this::connectionRefused);
            if (managementPort != null) {
                managementAddress = opened.openManagementListener(settings.host(), managementPort, managementHandler,
                        listenerBounds);
            }
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        listeners = opened;
        long heartbeatMs = settings.heartbeatInterval().toMillis();
        heartbeats = opened.ioThread().executeAtInterval(this::heartbeat, heartbeatMs,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        log.info("Relay node {} listening on {}{}{}", settings.nodeId(), webSocketUrl(),
                tls == null ? "" : " (TLS: " + tls.describe() + ")",
                managementAddress == null ? "" : "; /metrics and /health on port " + managementAddress.getPort());
    }

    /** The node's one heartbeat: every session's ping and silence check; run by the timer every interval (and tests). */
    void heartbeat() {
        acceptor.sessions().forEach(WsSession::heartbeatOnItsThread);
        socketIo.heartbeat();
    }

    private void connectionRefused(String reason, int open) {
        refusedCounter(reason).increment();
    }

    private Counter refusedCounter(String reason) {
        return refusedConnections.computeIfAbsent(reason, r -> Counter.builder("relay.connections.refused")
                .tag("reason", r).description("Connections refused at accept (max_connections, max_pending_connections)")
                .register(meterRegistry));
    }

    /** The port actually bound: differs from the configured one when that was 0. */
    public int port() {
        return clientAddress.getPort();
    }

    /** The management listener's port (/metrics, /health/*), or empty when they are served on {@link #port()}. */
    public java.util.OptionalInt managementPort() {
        InetSocketAddress address = managementAddress;
        return address == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(address.getPort());
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

    /** Whether a session on this node, of either transport, would receive an event for (lobId, contactId) now. */
    public boolean hasSubscriber(String lobId, String contactId) {
        return registry.hasRecipient(lobId, contactId);
    }

    /** This node's sessions per LOB and contact, both transports (see {@link SubscriptionRegistry#presence}). */
    public NodePresence presence(long atMs, int maxContacts) {
        return registry.presence(settings.nodeId(), atMs, maxContacts);
    }

    /**
     * The consumer loop has handed over everything of {@code partition} before {@code nextOffset}; called on the
     * consumer thread, before each record and when a partition's start is known (see RecordHandler.onPosition).
     */
    public void deliveryPosition(int partition, long nextOffset) {
        positions.advance(partition, nextOffset);
    }

    /** The group took these partitions away: sessions served through them will be told to move. */
    public void partitionsRevoked(Set<Integer> revoked) {
        revoked.forEach(positions::forget); // the consumer thread, like every change of the positions
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
        boolean elsewhere = !reachable && sendElsewhere;
        admission.sendElsewhere(elsewhere);
        for (WsSession session : acceptor.sessions()) {
            session.notifyKafkaStatus(reachable);
            if (elsewhere) {
                session.onIoThread(() -> session.close(CloseCodes.KAFKA_UNREACHABLE,
                        "this node cannot reach Kafka; reconnect to another node"));
            }
        }
    }

    /** New owners are known: sessions waiting for them get their {@code moved} frames. */
    public void routesChanged() {
        acceptor.sessions().forEach(WsSession::notifyRoutesChanged);
    }

    /** Sessions of both transports: /v1/ws connections and socket.io (Engine.IO) sessions. */
    public int sessionCount() {
        return acceptor.sessions().size() + socketIo.sessionCount();
    }

    /** Stops taking new sessions; existing ones keep running until {@link #stop()}. */
    public void stopAccepting() {
        admission.stopAccepting();
    }

    /** Closes every session with 1001 (going away), waits briefly for the close frames, then stops. */
    public void stop() {
        admission.stopAccepting();
        for (WsSession session : acceptor.sessions()) {
            session.onIoThread(() -> session.close(CloseCodes.GOING_AWAY, "node shutting down; reconnect"));
        }
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (!acceptor.sessions().isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000L); // sessions leave as their close handshakes finish
        }
        socketIo.closeAll("node shutting down");
        org.xnio.XnioExecutor.Key sweep = heartbeats;
        if (sweep != null) {
            sweep.remove();
        }
        RelayListeners open = listeners;
        listeners = null;
        if (open != null) {
            open.close();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Builds a server; everything but the settings, verifier and partition view has a default. */
    public static final class Builder {
        private WebSocketSettings settings;
        private TokenVerifier tokenVerifier;
        private PartitionView partitions;
        private Replayer replayer = Replayer.LIVE_ONLY;
        private SessionLimits limits = SessionLimits.defaults();
        private SubscriptionBounds bounds = SubscriptionBounds.defaults();
        private MeterRegistry meterRegistry = new CompositeMeterRegistry();
        private TokenLifecycle tokenLifecycle = TokenLifecycle.DEFAULTS;
        private ServerTls tls;
        private BooleanSupplier ready = () -> true;
        private BooleanSupplier alive = () -> true;
        private Supplier<Map<String, Object>> readinessDetails = Map::of;
        private final Map<String, HttpEndpoint> endpoints = new LinkedHashMap<>();
        private final Map<String, HttpEndpoint> postEndpoints = new LinkedHashMap<>();
        private final Map<String, HttpEndpoint> managementEndpoints = new LinkedHashMap<>();
        private ListenerBounds listenerBounds = ListenerBounds.defaults(10_000);
        private SocketIoLimits socketIoLimits = SocketIoLimits.defaults();
        private Integer managementPort;
        private DeliveryOutcomes outcomes = DeliveryOutcomes.NONE;
        private java.util.function.LongSupplier ticker = System::nanoTime;

        /** The monotonic time (nanoseconds) a session's silence is measured in: a seam, so tests need no sleeps. */
        Builder ticker(java.util.function.LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Where sessions report dropped and acknowledged events (receipts); by default nowhere. */
        public Builder outcomes(DeliveryOutcomes outcomes) {
            this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
            return this;
        }

        /** Header, time and connection bounds of the client listener; by default {@code ListenerBounds.defaults(10000)}. */
        public Builder listenerBounds(ListenerBounds bounds) {
            this.listenerBounds = Objects.requireNonNull(bounds, "bounds");
            return this;
        }

        public Builder socketIoLimits(SocketIoLimits socketIoLimits) {
            this.socketIoLimits = Objects.requireNonNull(socketIoLimits, "socketIoLimits");
            return this;
        }

        /**
         * Serves /health/* and the management endpoints on their own plain-HTTP listener on this port (0: any free
         * one) and not on the clients' listener; null (the default) serves them beside /v1/ws.
         */
        public Builder managementPort(Integer port) {
            this.managementPort = port;
            return this;
        }

        /** A GET endpoint for operators (e.g. /metrics): on the management listener when there is one, never CORS. */
        public Builder managementEndpoint(String path, HttpEndpoint endpoint) {
            managementEndpoints.put(path, endpoint);
            return this;
        }

        public Builder postEndpoints(Map<String, HttpEndpoint> more) {
            postEndpoints.putAll(more);
            return this;
        }

        /** A POST-only endpoint, without CORS, refusing cross-origin callers (e.g. dev mode's demo actions). */
        public Builder postEndpoint(String path, HttpEndpoint endpoint) {
            postEndpoints.put(path, endpoint);
            return this;
        }

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

        /** Contact id length and subscription bytes per session; {@link SubscriptionBounds#defaults()} by default. */
        public Builder subscriptionBounds(SubscriptionBounds bounds) {
            this.bounds = Objects.requireNonNull(bounds, "bounds");
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
