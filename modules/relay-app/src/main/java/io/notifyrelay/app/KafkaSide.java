package io.notifyrelay.app;

import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.replay.RecentEvents;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.DeadLetterQueue;
import io.notifyrelay.kafka.GroupRouteTracker;
import io.notifyrelay.kafka.KafkaLinkProbe;
import io.notifyrelay.kafka.KafkaReplayer;
import io.notifyrelay.kafka.RelayConsumer;
import io.notifyrelay.kafka.RelayMode;
import io.notifyrelay.kafka.ReplayReader;
import io.notifyrelay.websocket.RelayWebSocketServer;
import java.time.Duration;

/**
 * A node's Kafka-facing parts, built once its listener is bound and its advertised URL (the group member's client
 * id) is known, in dependency order: route tracker, link probe and watch, dead letters, the delivery handler, the
 * readers, the replayer. Started and closed by {@link RelayNode}.
 */
final class KafkaSide {

    private static final Duration ROUTE_REFRESH = Duration.ofSeconds(2);

    private final NodeMode mode;
    private final GroupRouteTracker routes;
    private final KafkaLinkProbe linkProbe;
    private final NodeRoutes nodeRoutes;
    private final KafkaLinkWatch linkWatch;
    /** Null when dead-lettering is off. */
    private final DeadLetterQueue deadLetters;
    private final GroupDuties duties;
    private final NodeDelivery delivery;
    private final TopicReaders readers;
    private final ReplayReader replayReader;
    private final KafkaReplayer replayer;

    KafkaSide(RelayConfig config, NodeState state, RelayWebSocketServer server, ConsumerFactory consumerFactory,
              RelayMetrics metrics, DeliveryFeedback feedback, RelayTracing tracing) {
        this.mode = state.mode();
        RelayConfig.Kafka kafka = config.kafka();
        String advertisedUrl = state.webSocketUrl();
        String groupClientId = GroupRouteTracker.clientIdFor(advertisedUrl);
        ConsumerSettings consumerSettings = TopicReaders.settings(config, groupClientId, RelayMode.GROUP);
        // in anywhere mode the group names the peers (link watch) but routes no session
        this.routes = new GroupRouteTracker(consumerSettings, state::partitionCount, ROUTE_REFRESH,
                table -> {
                    if (mode == NodeMode.OWNER) {
                        server.routesChanged();
                    }
                });
        this.linkProbe = new KafkaLinkProbe(consumerSettings, Duration.ofSeconds(1));
        // the link watch is read only once started, after this constructor
        this.nodeRoutes = new NodeRoutes(mode, routes, advertisedUrl, state::partitionCount,
                state::ownedPartitions, this::kafkaReachable);
        this.linkWatch = new KafkaLinkWatch(kafka.unreachableAfter(), this::sinceKafkaAnswered, nodeRoutes::peerUrls,
                server::kafkaLinkChanged, metrics.registry());
        EnvelopeDecoder decoder = new EnvelopeDecoder(state.topic().epoch(), kafka.maxRecordBytes(),
                config.records().strict());
        this.deadLetters = config.records().deadLetterTopic() == null ? null
                : DeadLetterQueue.open(consumerSettings, config.records().deadLetterTopic(), config.nodeId(),
                        metrics.registry());
        this.duties = new GroupDuties(metrics, deadLetters, feedback);
        RecentEvents recentEvents = new RecentEvents(config.replay().windowPerPartition(),
                config.replay().windowMaxBytesPerPartition());
        // anywhere mode: the delivery reader does the duties of what the local group member hands it
        DutyHandover handover = mode == NodeMode.ANYWHERE
                ? new DutyHandover(this::readerLag) : null;
        this.delivery = new NodeDelivery(mode, server, tracing, metrics, feedback, duties, routes, recentEvents,
                handover);
        this.readers = new TopicReaders(mode, config, groupClientId, consumerFactory, decoder, delivery.relay(),
                duties, handover, delivery.ownership(), delivery.groupShare(), metrics.registry());
        RelayConfig.Replay replay = config.replay();
        this.replayReader = new ReplayReader(consumerSettings, consumerFactory, decoder,
                new ReplayReader.Limits(replay.concurrency(), replay.maxRecords(), replay.timeout(),
                        replay.maxQueuedPerSession(), replay.maxQueuedPerLob()));
        this.replayer = new KafkaReplayer(readers.delivery(), recentEvents, replayReader, metrics.registry());
    }

    /** Presence comes first (DeliveryFeedback, started by the node): then the readers, routes and probes. */
    void start() {
        readers.start();
        routes.start();
        linkProbe.start();
        linkWatch.start();
    }

    RelayConsumer deliveryReader() {
        return readers.delivery();
    }

    TopicReaders readers() {
        return readers;
    }

    GroupRouteTracker routes() {
        return routes;
    }

    NodeRoutes nodeRoutes() {
        return nodeRoutes;
    }

    KafkaLinkWatch linkWatch() {
        return linkWatch;
    }

    GroupDuties duties() {
        return duties;
    }

    NodeDelivery delivery() {
        return delivery;
    }

    KafkaReplayer replayer() {
        return replayer;
    }

    /** The delivery reader's own lag of a partition: the duties' lag once it does them. */
    private double readerLag(int partition) {
        return readers.delivery().recordsLag(partition);
    }

    private boolean kafkaReachable() {
        return linkWatch.reachable();
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

    /** Stops the probes and leaves the group; the routes and the rest close after the sessions moved. */
    void stopReading(Duration timeout) {
        linkWatch.close();
        linkProbe.close();
        readers.close(timeout);
    }

    /** After the sessions left (the routes closed before them, see {@link RelayNode#close()}). */
    void close() {
        replayReader.close();
        if (deadLetters != null) {
            deadLetters.close();
        }
    }
}
