package io.notifyrelay.app;

import io.notifyrelay.core.auth.JwtTokenVerifier;
import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.ContactPartitioners;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.RelayMode;
import io.notifyrelay.kafka.TopicInspector;
import io.notifyrelay.kafka.TopicMetadata;
import io.notifyrelay.websocket.HttpEndpoint;
import io.notifyrelay.websocket.RelayWebSocketServer;
import io.notifyrelay.websocket.SessionLimits;
import io.notifyrelay.websocket.SubscriptionBounds;
import io.notifyrelay.websocket.WebSocketSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay node: delivers what its delivery consumer reads to the WebSocket sessions connected to it, and does
 * its share of the once-per-record duties as a member of the relay's consumer group ({@link TopicReaders}).
 * Wires the Kafka side to the WebSocket side; neither knows the other. Built in this order: token verifier,
 * topic check and feedback; the listener (its port names the node); then the {@link KafkaSide}, attached to the
 * {@link NodeState} the listener reads.
 */
public final class RelayNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);

    private final RelayConfig config;
    private final NodeState state;
    private final RelayWebSocketServer server;
    private final KafkaSide kafka;
    private final RelayMetrics metrics;
    private final JwtTokenVerifier tokenVerifier;
    private final RelayTracing tracing;
    /** Expiry, receipts and presence (issue 14). */
    private final DeliveryFeedback feedback;

    private RelayNode(RelayConfig config, ConsumerFactory consumerFactory, Map<String, HttpEndpoint> extraEndpoints,
                      Map<String, HttpEndpoint> postEndpoints, RelayTracing tracing) {
        this.config = config;
        // first, so an unusable key stops start-up before anything else is opened
        this.tokenVerifier = JwtTokenVerifier.create(config.auth().jwtSettings());
        this.metrics = RelayMetrics.create();
        RelayConfig.Kafka kafkaConfig = config.kafka();
        NodeMode mode = NodeMode.parse(kafkaConfig.mode()).orElseThrow();
        ContactPartitioner partitioner = ContactPartitioners.byName(kafkaConfig.partitioner());
        ConsumerSettings probe = TopicReaders.settings(config, "notify-relay", RelayMode.GROUP);
        TopicMetadata topic = TopicInspector.describe(probe, kafkaConfig.startupTimeout());
        this.state = new NodeState(topic, mode, partitioner, config.feedback().presenceMaxContacts());
        this.tracing = tracing != null ? tracing : RelayTracing.create(config.tracing(), kafkaConfig.topic());
        this.feedback = DeliveryFeedback.open(config, probe, consumerFactory, state::localPresence,
                state::subscribedHere, tokenVerifier, metrics.registry(), Clock.systemUTC());

        this.server = listener(config, extraEndpoints, postEndpoints);
        server.start();
        state.listening(server, config.http().advertisedUrl() != null ? config.http().advertisedUrl()
                : defaultAdvertisedUrl(config.http().host(), server.port(), server.isTls()));

        this.kafka = new KafkaSide(config, state, server, consumerFactory, metrics, feedback, this.tracing);
        state.attach(kafka);
        metrics.readiness(state::isReady);
    }

    /** The HTTP/WebSocket listener; what it asks of the Kafka side it reads through {@link #state}. */
    private RelayWebSocketServer listener(RelayConfig config, Map<String, HttpEndpoint> extraEndpoints,
                                          Map<String, HttpEndpoint> postEndpoints) {
        RelayConfig.Sessions sessions = config.sessions();
        WebSocketSettings webSocketSettings = new WebSocketSettings(config.http().host(), config.http().port(),
                config.nodeId(), config.auth().authTimeout(), sessions.heartbeatInterval(), sessions.maxBufferBytes(),
                sessions.maxFrameBytes(), sessions.maxContactsPerSession(), Duration.ofSeconds(2));
        return RelayWebSocketServer.builder()
                .settings(webSocketSettings)
                .tokenVerifier(tokenVerifier)
                .tokenLifecycle(config.auth().tokenLifecycle())
                .tls(config.http().tls() == null ? null : config.http().tls().load())
                .partitions(new TopicPartitionView(state::partitionCount, state.topic().epoch(), state.partitioner(),
                        state::ownedPartitions, state::routes, state::webSocketUrl))
                .replayer((request, target) -> state.kafka().replayer().resume(request, feedback.unexpiredOnly(target)))
                .subscriptionBounds(new SubscriptionBounds(sessions.maxContactIdBytes(), sessions.maxSubscriptionBytes()))
                .limits(new SessionLimits(config.limits().maxSessions(), config.limits().maxSessionsPerLob(),
                        config.limits().allowedOrigins(), config.limits().maxFramesPerSecond()))
                .meterRegistry(metrics.registry())
                .listenerBounds(config.edge().listener())
                .socketIoLimits(config.edge().socketIo())
                .managementPort(config.edge().managementPort())
                .managementEndpoint("/metrics", query -> {
                    state.refreshMetrics();
                    return new HttpEndpoint.Response(200, RelayMetrics.CONTENT_TYPE, metrics.scrape());
                })
                .readiness(state::isReady, state::readinessDetails)
                .liveness(state::alive)
                .endpoint("/v1/routes", query -> RoutesEndpoint.respond(query, state))
                .endpoint("/v1/presence", feedback.presenceEndpoint())
                .outcomes(feedback.outcomes())
                .endpoints(extraEndpoints)
                .postEndpoints(postEndpoints)
                .build();
    }

    /** Starts a node: checks the topic, opens the HTTP/WebSocket listener, joins the consumer group. */
    public static RelayNode start(RelayConfig config) {
        return start(config, ConsumerFactory.kafka());
    }

    public static RelayNode start(RelayConfig config, ConsumerFactory consumerFactory) {
        return start(config, consumerFactory, Map.of());
    }

    /**
     * @param extraEndpoints more GET endpoints served beside the WebSocket, e.g. the demo page in dev mode
     */
    public static RelayNode start(RelayConfig config, ConsumerFactory consumerFactory,
                                  Map<String, HttpEndpoint> extraEndpoints) {
        return start(config, consumerFactory, extraEndpoints, Map.of());
    }

    /**
     * @param postEndpoints POST-only endpoints without CORS that refuse cross-origin callers (dev mode's actions)
     */
    public static RelayNode start(RelayConfig config, ConsumerFactory consumerFactory,
                                  Map<String, HttpEndpoint> extraEndpoints, Map<String, HttpEndpoint> postEndpoints) {
        return start(config, consumerFactory, extraEndpoints, postEndpoints, null);
    }

    /**
     * @param tracing the node's tracing instead of the one {@code config.tracing()} (OTEL_*) describes, e.g. with an
     *                in-memory exporter; null for that one
     */
    public static RelayNode start(RelayConfig config, ConsumerFactory consumerFactory,
                                  Map<String, HttpEndpoint> extraEndpoints, Map<String, HttpEndpoint> postEndpoints,
                                  RelayTracing tracing) {
        RelayNode node = new RelayNode(config, consumerFactory, extraEndpoints, postEndpoints, tracing);
        // presence first: until the other nodes' counts are read, every event would look undelivered
        node.feedback.start();
        node.kafka.start();
        log.info("Relay node {} at {} consuming '{}' ({} partitions, epoch {}) in {} mode as group '{}' ({} protocol, "
                        + "{} partitioner), tracing {}", config.nodeId(), node.webSocketUrl(), node.topic().name(),
                node.topic().partitionCount(), node.topic().epoch(), node.mode().wireName(),
                config.kafka().groupId(), config.kafka().groupProtocol(), node.partitioner().name(),
                node.tracing.enabled() ? "on (OTLP)" : "off");
        return node;
    }

    static String defaultAdvertisedUrl(String bindHost, int port, boolean tls) {
        String host = bindHost;
        if ("0.0.0.0".equals(bindHost) || "::".equals(bindHost)) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return (tls ? "wss://" : "ws://") + host + ':' + port + RelayWebSocketServer.WEBSOCKET_PATH;
    }

    public int httpPort() {
        return server.port();
    }

    /** The port serving /metrics and /health/* when RELAY_MANAGEMENT_PORT is set. */
    public OptionalInt managementPort() {
        return server.managementPort();
    }

    /** The URL clients use to reach this node, as other nodes advertise it. */
    public String webSocketUrl() {
        return state.webSocketUrl();
    }

    public String httpUrl() {
        return (server.isTls() ? "https://" : "http://")
                + ("0.0.0.0".equals(config.http().host()) ? "localhost" : config.http().host()) + ':' + server.port();
    }

    /**
     * Ready while the delivery loop runs, Kafka answers, and, in owner mode, the node owns its share
     * ({@link NodeState#isReady()}).
     */
    public boolean isReady() {
        return state.isReady();
    }

    public TopicMetadata topic() {
        return state.topic();
    }

    NodeMode mode() {
        return state.mode();
    }

    ContactPartitioner partitioner() {
        return state.partitioner();
    }

    /**
     * Stops in the order that loses least: turn not-ready and refuse new sessions; let the group member
     * commit and leave the group so its partitions move to the other nodes; in owner mode give sessions their
     * {@code moved} frames once the new owners are known; then close the rest with 1001 (clients reconnect to
     * another node and resume). Bounded by the configured shutdown timeout.
     */
    @Override
    public void close() {
        if (!state.stop()) {
            return;
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        log.info("Relay node {} stopping", config.nodeId());
        server.stopAccepting();
        kafka.stopReading(config.shutdownTimeout());
        tracing.close(); // exports the spans still buffered
        NodeRoutes nodeRoutes = kafka.nodeRoutes();
        if (state.mode() == NodeMode.OWNER && server.sessionCount() > 0 && nodeRoutes.otherOwnersExist()
                && nodeRoutes.awaitNewOwners(deadline)) {
            server.routesChanged();
        }
        kafka.routes().close();
        server.stop();
        feedback.close(); // after the sessions left: its presence tombstone says none are here
        tokenVerifier.close();
        kafka.close();
        log.info("Relay node {} stopped", config.nodeId());
    }
}
