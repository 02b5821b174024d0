package io.notifyrelay.app;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.JwtTokenVerifier;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.ContactPartitioners;
import io.notifyrelay.core.routing.RouteTable;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.DeadLetterQueue;
import io.notifyrelay.kafka.GroupRouteTracker;
import io.notifyrelay.kafka.KafkaLinkProbe;
import io.notifyrelay.websocket.SessionLimits;
import io.notifyrelay.websocket.SubscriptionBounds;
import io.notifyrelay.kafka.KafkaReplayer;
import io.notifyrelay.kafka.ReplayReader;
import io.notifyrelay.core.replay.RecentEvents;
import io.notifyrelay.kafka.PartitionListener;
import io.notifyrelay.kafka.RecordHandler;
import io.notifyrelay.kafka.RelayConsumer;
import io.notifyrelay.kafka.RelayMode;
import io.notifyrelay.kafka.TopicInspector;
import io.notifyrelay.kafka.TopicMetadata;
import io.notifyrelay.websocket.HttpEndpoint;
import io.notifyrelay.websocket.RelayWebSocketServer;
import io.notifyrelay.websocket.WebSocketSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay node: delivers what its delivery consumer reads to the WebSocket sessions connected to it, and does
 * its share of the once-per-record duties as a member of the relay's consumer group ({@link TopicReaders}).
 * Wires the Kafka side to the WebSocket side; neither knows the other.
 */
public final class RelayNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);
    private static final Duration ROUTE_REFRESH = Duration.ofSeconds(2);

    private final RelayConfig config;
    private final TopicMetadata topic;
    private final NodeMode mode;
    private final ContactPartitioner partitioner;
    private final RelayWebSocketServer server;
    private final String advertisedUrl;
    private final TopicReaders readers;
    /** The delivery consumer: {@code readers.delivery()}. */
    private final RelayConsumer consumer;
    private final GroupDuties duties;
    private final GroupRouteTracker routes;
    private final NodeRoutes nodeRoutes;
    private final KafkaLinkProbe linkProbe;
    private final KafkaLinkWatch linkWatch;
    /** Filled and read on the consumer thread only. */
    private final RecentEvents recentEvents;
    private final ReplayReader replayReader;
    private final KafkaReplayer replayer;
    private final RelayMetrics metrics;
    /** Null when dead-lettering is off. */
    private final DeadLetterQueue deadLetters;
    private final JwtTokenVerifier tokenVerifier;
    private final RelayTracing tracing;
    /** Expiry, receipts and presence (issue 14). */
    private final DeliveryFeedback feedback;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong eventsConsumed = new AtomicLong();
    private final AtomicLong eventsDelivered = new AtomicLong();

    private RelayNode(RelayConfig config, ConsumerFactory consumerFactory, Map<String, HttpEndpoint> extraEndpoints,
                      Map<String, HttpEndpoint> postEndpoints, RelayTracing tracing) {
        this.config = config;
        // first, so an unusable key stops start-up before anything else is opened
        this.tokenVerifier = JwtTokenVerifier.create(config.auth().jwtSettings());
        this.metrics = RelayMetrics.create();
        this.recentEvents = new RecentEvents(config.replay().windowPerPartition(),
                config.replay().windowMaxBytesPerPartition());
        RelayConfig.Kafka kafka = config.kafka();
        this.mode = NodeMode.parse(kafka.mode()).orElseThrow();
        this.partitioner = ContactPartitioners.byName(kafka.partitioner());
        ConsumerSettings probe = TopicReaders.settings(config, "notify-relay", RelayMode.GROUP);
        this.topic = TopicInspector.describe(probe, kafka.startupTimeout());
        this.tracing = tracing != null ? tracing : RelayTracing.create(config.tracing(), kafka.topic());
        this.feedback = DeliveryFeedback.open(config, probe, consumerFactory, this::localPresence,
                this::subscribedHere, tokenVerifier, metrics.registry(), Clock.systemUTC());

        // the listener must be bound before the advertised URL (and so the consumer's client id) is known
        TopicReaders[] readersRef = new TopicReaders[1];
        GroupRouteTracker[] routesRef = new GroupRouteTracker[1];
        KafkaReplayer[] replayerRef = new KafkaReplayer[1];
        String[] selfUrl = new String[1];
        RelayConfig.Sessions sessions = config.sessions();
        WebSocketSettings webSocketSettings = new WebSocketSettings(config.http().host(), config.http().port(),
                config.nodeId(), config.auth().authTimeout(), sessions.heartbeatInterval(), sessions.maxBufferBytes(),
                sessions.maxFrameBytes(), sessions.maxContactsPerSession(), Duration.ofSeconds(2));
        this.server = RelayWebSocketServer.builder()
                .settings(webSocketSettings)
                .tokenVerifier(tokenVerifier)
                .tokenLifecycle(config.auth().tokenLifecycle())
                .tls(config.http().tls() == null ? null : config.http().tls().load())
                .partitions(new TopicPartitionView(() -> partitionCount(readersRef[0]), topic.epoch(), partitioner,
                        () -> readersRef[0].delivery().ownedPartitions(), () -> currentRoutes(routesRef[0]),
                        () -> selfUrl[0]))
                .replayer((request, target) -> replayerRef[0].resume(request, feedback.unexpiredOnly(target)))
                .subscriptionBounds(new SubscriptionBounds(sessions.maxContactIdBytes(), sessions.maxSubscriptionBytes()))
                .limits(new SessionLimits(config.limits().maxSessions(), config.limits().maxSessionsPerLob(),
                        config.limits().allowedOrigins(), config.limits().maxFramesPerSecond()))
                .meterRegistry(metrics.registry())
                .listenerBounds(config.edge().listener())
                .socketIoLimits(config.edge().socketIo())
                .managementPort(config.edge().managementPort())
                .managementEndpoint("/metrics", query -> {
                    if (readersRef[0] != null) { // null while the node is still being built
                        readersRef[0].refreshMetrics(); // the Kafka client's metrics as of now: lag of new partitions
                    }
                    return new HttpEndpoint.Response(200, RelayMetrics.CONTENT_TYPE, metrics.scrape());
                })
                .readiness(() -> isReady(), this::readinessDetails)
                .liveness(() -> readersRef[0] == null || readersRef[0].isAlive())
                .endpoint("/v1/routes", query -> RoutesEndpoint.respond(query, this))
                .endpoint("/v1/presence", feedback.presenceEndpoint())
                .outcomes(feedback.outcomes())
                .endpoints(extraEndpoints)
                .postEndpoints(postEndpoints)
                .build();
        server.start();
        this.advertisedUrl = config.http().advertisedUrl() != null ? config.http().advertisedUrl()
                : defaultAdvertisedUrl(config.http().host(), server.port(), server.isTls());
        selfUrl[0] = advertisedUrl;

        String groupClientId = GroupRouteTracker.clientIdFor(advertisedUrl);
        ConsumerSettings consumerSettings = TopicReaders.settings(config, groupClientId, RelayMode.GROUP);
        // in anywhere mode the group names the peers (link watch) but routes no session
        this.routes = new GroupRouteTracker(consumerSettings, this::partitionCount, ROUTE_REFRESH,
                table -> {
                    if (mode == NodeMode.OWNER) {
                        server.routesChanged();
                    }
                });
        routesRef[0] = mode == NodeMode.OWNER ? routes : null;
        this.linkProbe = new KafkaLinkProbe(consumerSettings, Duration.ofSeconds(1));
        this.nodeRoutes = new NodeRoutes(mode, routes, advertisedUrl, this::partitionCount,
                this::ownedPartitions, this::kafkaReachable);
        this.linkWatch = new KafkaLinkWatch(kafka.unreachableAfter(), this::sinceKafkaAnswered, nodeRoutes::peerUrls,
                server::kafkaLinkChanged, metrics.registry());
        EnvelopeDecoder decoder = new EnvelopeDecoder(topic.epoch(), kafka.maxRecordBytes(), config.records().strict());
        this.deadLetters = config.records().deadLetterTopic() == null ? null
                : DeadLetterQueue.open(consumerSettings, config.records().deadLetterTopic(), config.nodeId(),
                        metrics.registry());
        this.duties = new GroupDuties(metrics, deadLetters, feedback);
        this.readers = new TopicReaders(mode, config, groupClientId, consumerFactory, decoder, new Relay(),
                duties, new Ownership(), new GroupShare(), metrics.registry());
        this.consumer = readers.delivery();
        readersRef[0] = readers;
        RelayConfig.Replay replay = config.replay();
        this.replayReader = new ReplayReader(consumerSettings, consumerFactory, decoder,
                new ReplayReader.Limits(replay.concurrency(), replay.maxRecords(), replay.timeout(),
                        replay.maxQueuedPerSession(), replay.maxQueuedPerLob()));
        this.replayer = new KafkaReplayer(consumer, recentEvents, replayReader, metrics.registry());
        metrics.readiness(this::isReady);
        replayerRef[0] = replayer;
    }

    /** The topic's partition count now: what the consumer last saw, never less than at start-up. */
    int partitionCount() {
        return partitionCount(readers);
    }

    private int partitionCount(TopicReaders topicReaders) {
        return topicReaders == null ? topic.partitionCount() : Math.max(topic.partitionCount(),
                topicReaders.delivery().partitionCount());
    }

    private static RouteTable currentRoutes(GroupRouteTracker tracker) {
        return tracker == null ? RouteTable.empty(0) : tracker.current();
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
        node.readers.start();
        node.routes.start();
        node.linkProbe.start();
        node.linkWatch.start();
        log.info("Relay node {} at {} consuming '{}' ({} partitions, epoch {}) in {} mode as group '{}' ({} protocol, "
                        + "{} partitioner), tracing {}", config.nodeId(), node.advertisedUrl, node.topic.name(),
                node.topic.partitionCount(), node.topic.epoch(), node.mode.wireName(),
                config.kafka().groupId(), config.kafka().groupProtocol(), node.partitioner.name(),
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
    public java.util.OptionalInt managementPort() {
        return server.managementPort();
    }

    /** The URL clients use to reach this node, as other nodes advertise it. */
    public String webSocketUrl() {
        return advertisedUrl;
    }

    public String httpUrl() {
        return (server.isTls() ? "https://" : "http://")
                + ("0.0.0.0".equals(config.http().host()) ? "localhost" : config.http().host()) + ':' + server.port();
    }

    /**
     * Ready while the delivery loop runs, Kafka answers, and, in owner mode, the node owns its share: a group
     * member that owns nothing while there are no more members than partitions is waiting for its assignment.
     * In anywhere mode the delivery reader serves every partition whatever the group member owns.
     */
    public boolean isReady() {
        return readers != null && readers.isReady() && !stopped.get() && linkWatch.reachable()
                && !nodeRoutes.assignmentPending();
    }

    private boolean kafkaReachable() {
        return linkWatch.reachable();
    }

    /** Cut off from Kafka while another node is ready: its own view of the group is stale. */
    boolean sendsClientsElsewhere() {
        return linkWatch.sendingElsewhere();
    }

    /**
     * The longest any Kafka probe has gone without an answer: the topic's leaders, and in owner mode the group
     * coordinator too (anywhere mode serves sessions without it; the group moves the duties elsewhere).
     */
    private Duration sinceKafkaAnswered() {
        Duration topic = linkProbe.sinceLastHealthy();
        Duration group = mode == NodeMode.ANYWHERE ? Duration.ZERO : routes.sinceLastAnswer();
        return topic.compareTo(group) >= 0 ? topic : group;
    }

    public TopicMetadata topic() {
        return topic;
    }

    NodeMode mode() {
        return mode;
    }

    /** Owner of each partition as /v1/routes tells it. */
    Map<Integer, String> owners() {
        return nodeRoutes.owners();
    }

    ContactPartitioner partitioner() {
        return partitioner;
    }

    Set<Integer> ownedPartitions() {
        return consumer.ownedPartitions();
    }

    private Map<String, Object> readinessDetails() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", mode.wireName());
        if (readers == null) {
            details.put("consumer", "CREATED");
        } else {
            details.putAll(readers.details());
        }
        details.put("kafka", linkWatch == null || linkWatch.reachable() ? "reachable" : "unreachable");
        details.put("partitions", consumer == null ? Set.of() : new TreeSet<>(consumer.ownedPartitions()));
        details.put("eventsConsumed", eventsConsumed.get());
        details.put("eventsDelivered", eventsDelivered.get());
        details.put("recordsRejected", duties == null ? 0 : duties.recordsRejected());
        return details;
    }

    /**
     * Stops in the order that loses least: turn not-ready and refuse new sessions; let the group member
     * commit and leave the group so its partitions move to the other nodes; in owner mode give sessions their
     * {@code moved} frames once the new owners are known; then close the rest with 1001 (clients reconnect to
     * another node and resume). Bounded by the configured shutdown timeout.
     */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        log.info("Relay node {} stopping", config.nodeId());
        server.stopAccepting();
        linkWatch.close();
        linkProbe.close();
        readers.close(config.shutdownTimeout());
        tracing.close(); // exports the spans still buffered
        if (mode == NodeMode.OWNER && server.sessionCount() > 0 && nodeRoutes.otherOwnersExist()
                && nodeRoutes.awaitNewOwners(deadline)) {
            server.routesChanged();
        }
        routes.close();
        server.stop();
        feedback.close(); // after the sessions left: its presence tombstone says none are here
        tokenVerifier.close();
        replayReader.close();
        if (deadLetters != null) {
            deadLetters.close();
        }
        log.info("Relay node {} stopped", config.nodeId());
    }

    private boolean subscribedHere(String lobId, String contactId) {
        return server.hasSubscriber(lobId, contactId);
    }

    private NodePresence localPresence(long atMs) {
        return server.presence(atMs, config.feedback().presenceMaxContacts());
    }

    private final class Relay implements RecordHandler {
        @Override
        public void onBatch(int records, Runnable handleAll) {
            try {
                tracing.batch(records, handleAll);
            } catch (RuntimeException e) {
                log.error("Delivery batch failed", e); // each record's own failures are caught and logged per record
            }
        }

        /** One instance: no allocation per event on the hot path. */
        private final java.util.function.ToIntFunction<RelayEvent> relayOne = this::relay;

        @Override
        public void onEvent(RelayEvent event) {
            tracing.process(event, relayOne);
        }

        private int relay(RelayEvent event) {
            eventsConsumed.incrementAndGet();
            metrics.consumed();
            boolean expired = feedback.expired(event);
            int recipients = 0;
            if (!expired) { // past its expirytime it reaches nobody; GroupDuties makes its one expired receipt
                recipients = server.deliver(event);
                feedback.delivered(event, recipients);
            }
            if (recipients == 0 && !expired) {
                metrics.unrouted();
            }
            eventsDelivered.addAndGet(recipients);
            recentEvents.add(event);
            if (mode == NodeMode.OWNER) {
                duties.onEvent(event); // owner mode's one consumer is the group member too
            }
            return recipients;
        }

        /** Skipped here; dead-lettered once for the cluster by the group member that owns the record. */
        @Override
        public void onPosition(int partition, long nextOffset) {
            server.deliveryPosition(partition, nextOffset); // socket.io recovery offsets are built from these
        }

        @Override
        public void onRejected(DecodeResult.Rejected rejected) {
            if (mode == NodeMode.OWNER) {
                duties.onRejected(rejected);
            }
        }
    }

    /** Keeps sessions in step with the partitions the delivery consumer gets and loses, and the routes fresh. */
    private final class Ownership implements PartitionListener {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            server.partitionsAssigned(added);
            if (routes != null) { // null while the node is still being built
                routes.refreshSoon();
            }
        }

        @Override
        public void onPartitionCountChanged(int previous, int now) {
            server.partitionCountChanged(previous);
            if (routes != null) {
                routes.refreshSoon();
            }
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            removed.forEach(recentEvents::forget);
            server.partitionsRevoked(removed);
            if (routes != null) {
                routes.refreshSoon();
            }
        }
    }

    /** Anywhere mode's group member: its share changes routes (peers), never what sessions get. */
    private final class GroupShare implements PartitionListener {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            routes.refreshSoon();
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            routes.refreshSoon();
        }
    }
}
