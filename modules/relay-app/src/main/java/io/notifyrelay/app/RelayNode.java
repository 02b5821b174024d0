package io.notifyrelay.app;

import io.notifyrelay.core.log.RateLimitedLog;
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
import io.notifyrelay.kafka.GroupProtocol;
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
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay node: a member of the relay's consumer group that delivers what it consumes to the
 * WebSocket sessions connected to it. Wires the Kafka side to the WebSocket side; neither knows the other.
 */
public final class RelayNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);
    private static final Duration ROUTE_REFRESH = Duration.ofSeconds(2);

    private final RelayConfig config;
    private final TopicMetadata topic;
    private final RelayMode mode;
    private final ContactPartitioner partitioner;
    private final RelayWebSocketServer server;
    private final String advertisedUrl;
    private final RelayConsumer consumer;
    private final GroupRouteTracker routes;
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
    private final AtomicLong recordsRejected = new AtomicLong();
    /** A flood of bad records must not become a flood of log lines. */
    private final RateLimitedLog rejectedLog = new RateLimitedLog(log, 20);

    private RelayNode(RelayConfig config, ConsumerFactory consumerFactory, Map<String, HttpEndpoint> extraEndpoints,
                      Map<String, HttpEndpoint> postEndpoints, RelayTracing tracing) {
        this.config = config;
        // first, so an unusable key stops start-up before anything else is opened
        this.tokenVerifier = JwtTokenVerifier.create(config.auth().jwtSettings());
        this.metrics = RelayMetrics.create();
        this.recentEvents = new RecentEvents(config.replay().windowPerPartition(),
                config.replay().windowMaxBytesPerPartition());
        RelayConfig.Kafka kafka = config.kafka();
        this.mode = RelayMode.valueOf(kafka.mode().toUpperCase(Locale.ROOT));
        this.partitioner = ContactPartitioners.byName(kafka.partitioner());
        ConsumerSettings probe = consumerSettings(config, "notify-relay");
        this.topic = TopicInspector.describe(probe, kafka.startupTimeout());
        this.tracing = tracing != null ? tracing : RelayTracing.create(config.tracing(), kafka.topic());
        this.feedback = DeliveryFeedback.open(config, probe, consumerFactory, this::localPresence, tokenVerifier,
                metrics.registry(), Clock.systemUTC());

        // the listener must be bound before the advertised URL (and so the consumer's client id) is known
        RelayConsumer[] consumerRef = new RelayConsumer[1];
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
                .partitions(new TopicPartitionView(() -> partitionCount(consumerRef[0]), topic.epoch(), partitioner,
                        () -> consumerRef[0].ownedPartitions(), () -> currentRoutes(routesRef[0]), () -> selfUrl[0]))
                .replayer((request, target) -> replayerRef[0].resume(request, feedback.unexpiredOnly(target)))
                .subscriptionBounds(new SubscriptionBounds(sessions.maxContactIdBytes(), sessions.maxSubscriptionBytes()))
                .limits(new SessionLimits(config.limits().maxSessions(), config.limits().maxSessionsPerLob(),
                        config.limits().allowedOrigins(), config.limits().maxFramesPerSecond()))
                .meterRegistry(metrics.registry())
                .listenerBounds(config.edge().listener())
                .socketIoLimits(config.edge().socketIo())
                .managementPort(config.edge().managementPort())
                .managementEndpoint("/metrics", query -> {
                    if (consumerRef[0] != null) { // null while the node is still being built
                        consumerRef[0].refreshMetrics(); // the Kafka client's metrics as of now: lag of new partitions
                    }
                    return new HttpEndpoint.Response(200, RelayMetrics.CONTENT_TYPE, metrics.scrape());
                })
                .readiness(() -> isReady(), this::readinessDetails)
                .liveness(() -> consumerRef[0] == null || consumerRef[0].isAlive())
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

        ConsumerSettings consumerSettings = consumerSettings(config, GroupRouteTracker.clientIdFor(advertisedUrl));
        this.routes = mode == RelayMode.GROUP
                ? new GroupRouteTracker(consumerSettings, this::partitionCount, ROUTE_REFRESH,
                        table -> server.routesChanged())
                : null;
        routesRef[0] = routes;
        this.linkProbe = new KafkaLinkProbe(consumerSettings, Duration.ofSeconds(1));
        this.linkWatch = new KafkaLinkWatch(kafka.unreachableAfter(), this::sinceKafkaAnswered, this::peerUrls,
                server::kafkaLinkChanged, metrics.registry());
        EnvelopeDecoder decoder = new EnvelopeDecoder(topic.epoch(), kafka.maxRecordBytes(), config.records().strict());
        this.deadLetters = config.records().deadLetterTopic() == null ? null
                : DeadLetterQueue.open(consumerSettings, config.records().deadLetterTopic(), config.nodeId(),
                        metrics.registry());
        this.consumer = new RelayConsumer(consumerSettings, consumerFactory, decoder, new Relay(), new Ownership(),
                metrics.registry());
        consumerRef[0] = consumer;
        RelayConfig.Replay replay = config.replay();
        this.replayReader = new ReplayReader(consumerSettings, consumerFactory, decoder,
                new ReplayReader.Limits(replay.concurrency(), replay.maxRecords(), replay.timeout(),
                        replay.maxQueuedPerSession(), replay.maxQueuedPerLob()));
        this.replayer = new KafkaReplayer(consumer, recentEvents, replayReader, metrics.registry());
        metrics.readiness(this::isReady);
        replayerRef[0] = replayer;
    }

    private static ConsumerSettings consumerSettings(RelayConfig config, String clientId) {
        RelayConfig.Kafka kafka = config.kafka();
        return new ConsumerSettings(kafka.bootstrapServers(), kafka.topic(), kafka.groupId(),
                GroupProtocol.valueOf(kafka.groupProtocol().toUpperCase(Locale.ROOT)), kafka.groupInstanceId(),
                Duration.ofMillis(500), kafka.properties(), RelayMode.valueOf(kafka.mode().toUpperCase(Locale.ROOT)),
                clientId, kafka.metadataRefresh());
    }

    /** The topic's partition count now: what the consumer last saw, never less than at start-up. */
    int partitionCount() {
        return partitionCount(consumer);
    }

    private int partitionCount(RelayConsumer relayConsumer) {
        return relayConsumer == null ? topic.partitionCount() : Math.max(topic.partitionCount(),
                relayConsumer.partitionCount());
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
        node.consumer.start();
        if (node.routes != null) {
            node.routes.start();
        }
        node.linkProbe.start();
        node.linkWatch.start();
        log.info("Relay node {} at {} consuming '{}' ({} partitions, epoch {}) in {} mode as group '{}' ({} protocol, "
                        + "{} partitioner), tracing {}", config.nodeId(), node.advertisedUrl, node.topic.name(),
                node.topic.partitionCount(), node.topic.epoch(), node.mode.name().toLowerCase(Locale.ROOT),
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
     * Ready while the consumer runs, Kafka answers, and the node owns its share: a group member that owns
     * nothing while there are no more members than partitions is waiting for its assignment.
     */
    public boolean isReady() {
        return consumer != null && consumer.isReady() && !stopped.get() && linkWatch.reachable()
                && !assignmentPending();
    }

    /** Cut off from Kafka while another node is ready: its own view of the group is stale. */
    boolean sendsClientsElsewhere() {
        return linkWatch.sendingElsewhere();
    }

    private boolean assignmentPending() {
        return routes != null && consumer.ownedPartitions().isEmpty() && routes.members() > 0
                && routes.members() <= partitionCount();
    }

    /** The longest any Kafka probe has gone without an answer. */
    private Duration sinceKafkaAnswered() {
        Duration topic = linkProbe.sinceLastHealthy();
        Duration group = routes == null ? Duration.ZERO : routes.sinceLastAnswer();
        return topic.compareTo(group) >= 0 ? topic : group;
    }

    /** The other nodes this node knows of: the owners in its last route table. */
    private Set<String> peerUrls() {
        Set<String> peers = new TreeSet<>(currentRoutes(routes).owners().values());
        peers.remove(advertisedUrl);
        return peers;
    }

    public TopicMetadata topic() {
        return topic;
    }

    RelayMode mode() {
        return mode;
    }

    ContactPartitioner partitioner() {
        return partitioner;
    }

    Set<Integer> ownedPartitions() {
        return consumer.ownedPartitions();
    }

    /** Owner of each partition: this node for its own, the group's view for the others. */
    Map<Integer, String> owners() {
        Map<Integer, String> owners = new LinkedHashMap<>();
        RouteTable table = currentRoutes(routes);
        Set<Integer> owned = consumer.ownedPartitions();
        for (int partition = 0, count = partitionCount(); partition < count; partition++) {
            if (mode == RelayMode.BROADCAST) {
                owners.put(partition, RoutesEndpoint.ANY);
            } else if (owned.contains(partition) && linkWatch.reachable()) {
                // a node cut off from Kafka does not name itself: its partitions move once the group notices
                owners.put(partition, advertisedUrl);
            } else {
                owners.put(partition, table.ownerOf(partition).filter(url -> !url.equals(advertisedUrl)).orElse(null));
            }
        }
        return owners;
    }

    private Map<String, Object> readinessDetails() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("consumer", consumer == null ? "CREATED" : consumer.state().name());
        details.put("kafka", linkWatch == null || linkWatch.reachable() ? "reachable" : "unreachable");
        details.put("partitions", consumer == null ? Set.of() : new TreeSet<>(consumer.ownedPartitions()));
        details.put("eventsConsumed", eventsConsumed.get());
        details.put("eventsDelivered", eventsDelivered.get());
        details.put("recordsRejected", recordsRejected.get());
        return details;
    }

    /**
     * Stops in the order that loses least: turn not-ready and refuse new sessions; let the consumer
     * commit and leave the group so its partitions move to the other nodes; give sessions their
     * {@code moved} frames once the new owners are known; then close the rest with 1001. Bounded by the
     * configured shutdown timeout.
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
        consumer.close(config.shutdownTimeout());
        tracing.close(); // exports the spans still buffered
        if (routes != null) {
            if (server.sessionCount() > 0 && otherNodesExist()) {
                awaitNewOwners(deadline);
            }
            routes.close();
        }
        server.stop();
        feedback.close(); // after the sessions left: its presence tombstone says none are here
        tokenVerifier.close();
        replayReader.close();
        if (deadLetters != null) {
            deadLetters.close();
        }
        log.info("Relay node {} stopped", config.nodeId());
    }

    private NodePresence localPresence(long atMs) {
        return server.presence(atMs, config.feedback().presenceMaxContacts());
    }

    private boolean otherNodesExist() {
        return routes.current().owners().values().stream().anyMatch(url -> !url.equals(advertisedUrl));
    }

    /** Waits (bounded) until the group shows another owner for every partition, so sessions can be moved. */
    private void awaitNewOwners(long deadline) {
        routes.refreshSoon();
        while (System.nanoTime() < deadline - Duration.ofSeconds(1).toNanos()) {
            RouteTable table = routes.current();
            boolean allMoved = true;
            for (int partition = 0, count = partitionCount(); partition < count; partition++) {
                String owner = table.ownerOf(partition).orElse(null);
                if (owner == null || owner.equals(advertisedUrl)) {
                    allMoved = false;
                    break;
                }
            }
            if (allMoved) {
                server.routesChanged();
                return;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the tracker refreshes in the background
        }
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
            if (feedback.expired(event)) {
                feedback.onceForCluster(event, 0); // the expired receipt; the event reaches nobody
                return 0;
            }
            int recipients = server.deliver(event);
            feedback.delivered(event, recipients);
            // today the partition's owner is its only reader: the once-per-event decisions are made here
            feedback.onceForCluster(event, recipients);
            if (recipients == 0) {
                metrics.unrouted();
            }
            eventsDelivered.addAndGet(recipients);
            recentEvents.add(event);
            return recipients;
        }

        @Override
        public void onRejected(DecodeResult.Rejected rejected) {
            RelayTracing.withProducerTrace(rejected.record().headers(), () -> reject(rejected));
        }

        private void reject(DecodeResult.Rejected rejected) {
            recordsRejected.incrementAndGet();
            metrics.rejected(rejected.reason());
            rejectedLog.warn("Skipped record {}: {} ({}){}", rejected.record().where(), rejected.reason(),
                    rejected.detail(), deadLetters == null ? "" : "; copied to " + deadLetters.topic());
            if (deadLetters != null) {
                deadLetters.send(rejected);
            }
        }
    }

    /** Keeps sessions in step with the partitions the group gives and takes, and the routes fresh. */
    private final class Ownership implements PartitionListener {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            server.partitionsAssigned(added);
            if (routes != null) {
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
}
