package io.notifyrelay.app;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.JwtTokenVerifier;
import io.notifyrelay.core.routing.Murmur2Partitioner;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.GroupProtocol;
import io.notifyrelay.kafka.PartitionListener;
import io.notifyrelay.kafka.RecordHandler;
import io.notifyrelay.kafka.RelayConsumer;
import io.notifyrelay.kafka.TopicInspector;
import io.notifyrelay.kafka.TopicMetadata;
import io.notifyrelay.websocket.RelayWebSocketServer;
import io.notifyrelay.websocket.WebSocketSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One relay node: a member of the relay's consumer group that delivers what it consumes to the
 * WebSocket sessions connected to it. Wires the Kafka side to the WebSocket side; neither knows the other.
 */
public final class RelayNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RelayNode.class);

    private final RelayConfig config;
    private final TopicMetadata topic;
    private final RelayWebSocketServer server;
    private final RelayConsumer consumer;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicLong eventsConsumed = new AtomicLong();
    private final AtomicLong eventsDelivered = new AtomicLong();
    private final AtomicLong recordsRejected = new AtomicLong();

    private RelayNode(RelayConfig config, ConsumerFactory consumerFactory) {
        this.config = config;
        RelayConfig.Kafka kafka = config.kafka();
        ConsumerSettings consumerSettings = new ConsumerSettings(kafka.bootstrapServers(), kafka.topic(),
                kafka.groupId(), GroupProtocol.valueOf(kafka.groupProtocol().toUpperCase(Locale.ROOT)),
                kafka.groupInstanceId(), Duration.ofMillis(500), kafka.properties());
        this.topic = TopicInspector.describe(consumerSettings, Duration.ofSeconds(30));

        RelayConfig.Sessions sessions = config.sessions();
        WebSocketSettings webSocketSettings = new WebSocketSettings(config.http().host(), config.http().port(),
                config.nodeId(), config.auth().authTimeout(), sessions.heartbeatInterval(), sessions.maxBufferBytes(),
                sessions.maxFrameBytes(), sessions.maxContactsPerSession(), Duration.ofSeconds(2));
        RelayConsumer[] consumerRef = new RelayConsumer[1];
        this.server = RelayWebSocketServer.builder()
                .settings(webSocketSettings)
                .tokenVerifier(JwtTokenVerifier.create(config.auth().jwtSecret(), config.auth().jwtPublicKeyPem(),
                        config.auth().clockSkew()))
                .partitions(new TopicPartitionView(topic.partitionCount(), new Murmur2Partitioner(),
                        () -> consumerRef[0].ownedPartitions()))
                .readiness(() -> consumerRef[0].isReady(), this::readinessDetails)
                .build();
        this.consumer = new RelayConsumer(consumerSettings, consumerFactory,
                new EnvelopeDecoder(topic.epoch(), kafka.maxRecordBytes()), new Relay(), PartitionListener.NONE);
        consumerRef[0] = consumer;
    }

    /** Starts a node: checks the topic, opens the HTTP/WebSocket listener, joins the consumer group. */
    public static RelayNode start(RelayConfig config) {
        return start(config, ConsumerFactory.kafka());
    }

    public static RelayNode start(RelayConfig config, ConsumerFactory consumerFactory) {
        RelayNode node = new RelayNode(config, consumerFactory);
        node.server.start();
        node.consumer.start();
        log.info("Relay node {} consuming '{}' ({} partitions, epoch {}) as group '{}' ({} protocol)",
                config.nodeId(), node.topic.name(), node.topic.partitionCount(), node.topic.epoch(),
                config.kafka().groupId(), config.kafka().groupProtocol());
        return node;
    }

    public int httpPort() {
        return server.port();
    }

    public String webSocketUrl() {
        return server.webSocketUrl();
    }

    public String httpUrl() {
        return "http://localhost:" + server.port();
    }

    public boolean isReady() {
        return consumer.isReady() && !stopped.get();
    }

    public TopicMetadata topic() {
        return topic;
    }

    private Map<String, Object> readinessDetails() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("consumer", consumer.state().name());
        details.put("partitions", new TreeSet<>(consumer.ownedPartitions()));
        details.put("eventsConsumed", eventsConsumed.get());
        details.put("eventsDelivered", eventsDelivered.get());
        details.put("recordsRejected", recordsRejected.get());
        return details;
    }

    /**
     * Stops in the order that loses least: refuse new sessions, let the consumer commit and leave the
     * group (its partitions move to the other nodes), then tell sessions to reconnect elsewhere.
     */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        log.info("Relay node {} stopping", config.nodeId());
        server.stopAccepting();
        consumer.close(config.shutdownTimeout());
        server.stop();
        log.info("Relay node {} stopped", config.nodeId());
    }

    private final class Relay implements RecordHandler {
        @Override
        public void onEvent(RelayEvent event) {
            eventsConsumed.incrementAndGet();
            eventsDelivered.addAndGet(server.deliver(event));
        }

        @Override
        public void onRejected(DecodeResult.Rejected rejected) {
            recordsRejected.incrementAndGet();
            log.warn("Skipped record {}: {} ({})", rejected.record().where(), rejected.reason(), rejected.detail());
        }
    }
}
