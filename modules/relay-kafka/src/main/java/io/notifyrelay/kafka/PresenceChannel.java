package io.notifyrelay.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.presence.ClusterPresence;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.presence.PresenceEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shares session counts between the nodes on a compacted topic keyed by node id: every {@code interval} this
 * node publishes its counts, and on a graceful stop a tombstone; a thread of its own reads every node's latest
 * record into {@link ClusterPresence}. The topic holds one small record per node once compacted.
 */
public final class PresenceChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PresenceChannel.class);
    private static final RateLimitedLog failureLog = new RateLimitedLog(log, 1);
    private static final Duration REASSIGN_EVERY = Duration.ofSeconds(30);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final String topic;
    private final byte[] key;
    private final Duration interval;
    private final Supplier<NodePresence> local;
    private final ClusterPresence cluster;
    private final int maxEntries;
    private final Producer<byte[], byte[]> producer;
    /** Only the publisher thread encodes. */
    private final PresenceEncoder encoder = new PresenceEncoder();
    private final Consumer<byte[], byte[]> consumer;
    private final Thread publisher;
    private final Thread reader;
    private volatile boolean running = true;
    private volatile long lastPublishedAtMs;
    private final java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);
    private Map<TopicPartition, Long> catchUpTo;

    PresenceChannel(String topic, String node, Duration interval, Supplier<NodePresence> local,
                    ClusterPresence cluster, int maxEntries, Producer<byte[], byte[]> producer,
                    Consumer<byte[], byte[]> consumer, MeterRegistry meterRegistry) {
        this.topic = topic;
        this.key = node.getBytes(StandardCharsets.UTF_8);
        this.interval = interval;
        this.local = local;
        this.cluster = cluster;
        this.maxEntries = maxEntries;
        this.producer = producer;
        this.consumer = consumer;
        this.publisher = new Thread(this::publishLoop, "relay-presence-publish");
        this.reader = new Thread(this::readLoop, "relay-presence-read");
        publisher.setDaemon(true);
        reader.setDaemon(true);
        Gauge.builder("relay.presence.nodes", cluster, ClusterPresence::knownNodes)
                .description("Other nodes whose presence this node holds").register(meterRegistry);
        Gauge.builder("relay.presence.age", this, c -> c.lastPublishedAtMs == 0 ? -1
                        : (System.currentTimeMillis() - c.lastPublishedAtMs) / 1000.0).baseUnit("seconds")
                .description("Time since this node last published its presence (-1: not yet)").register(meterRegistry);
    }

    /**
     * Opens (creating it compacted when missing) the presence topic.
     *
     * @param maxEntries most LOB and contact entries read from one node's record
     */
    public static PresenceChannel open(ConsumerSettings settings, ConsumerFactory consumerFactory, String topic,
                                       String node, Duration interval, Supplier<NodePresence> local,
                                       ClusterPresence cluster, int maxEntries, MeterRegistry meterRegistry) {
        TopicCreation.ensure(settings, topic, Map.of("cleanup.policy", "compact", "segment.ms", "3600000"),
                "presence", "RELAY_PRESENCE_TOPIC");
        Map<String, Object> producerConfig = TopicCreation.producerConfig(settings, "notify-relay-presence");
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "1");
        producerConfig.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.max(1_000, interval.toMillis()));
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20);
        Map<String, Object> consumerConfig = settings.standaloneReaderConfig("notify-relay-presence");
        return new PresenceChannel(topic, node, interval, local, cluster, maxEntries,
                new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer()),
                consumerFactory.create(consumerConfig), meterRegistry);
    }

    /**
     * Starts publishing and reading, and waits (at most {@code CATCH_UP}) until what the other nodes published
     * before is read: until then this node would take the cluster for empty.
     */
    public void start() {
        publisher.start();
        reader.start();
        try {
            if (!caughtUp.await(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Presence topic {} not read to its end within {} s; going on", topic, CATCH_UP.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public String topic() {
        return topic;
    }

    private void publishLoop() {
        while (running) {
            publish();
            try {
                TimeUnit.MILLISECONDS.sleep(interval.toMillis()); // the publishing period itself, not a wait for a condition
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void publish() {
        try {
            NodePresence snapshot = local.get();
            producer.send(new ProducerRecord<>(topic, key, encoder.encode(snapshot)), (metadata, failure) -> {
                if (failure == null) {
                    lastPublishedAtMs = snapshot.atMs();
                } else {
                    failureLog.warn("Could not publish presence to {}: {}", topic, failure.toString());
                }
            });
        } catch (RuntimeException e) {
            failureLog.warn("Could not publish presence to {}: {}", topic, e.toString());
        }
    }

    private void readLoop() {
        long nextAssignment = 0;
        try {
            while (running) {
                if (System.nanoTime() - nextAssignment >= 0) {
                    assignAll();
                    nextAssignment = System.nanoTime() + REASSIGN_EVERY.toNanos();
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() == null || Arrays.equals(record.key(), key)) {
                        continue; // this node's own snapshot: its counts are live here, no need to decode them
                    }
                    String node = new String(record.key(), StandardCharsets.UTF_8);
                    if (record.value() == null) {
                        cluster.update(node, null);
                    } else {
                        NodePresence.fromJson(record.value(), maxEntries)
                                .filter(snapshot -> snapshot.node().equals(node))
                                .ifPresent(snapshot -> cluster.update(node, snapshot));
                    }
                }
                if (caughtUp.getCount() > 0 && catchUpTo != null && catchUpTo.entrySet().stream()
                        .allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failureLog.warn("Presence reader of {} stopped: {}", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Every partition of the topic, from its beginning the first time: compaction keeps each node's latest. */
    private void assignAll() {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        if (!partitions.equals(List.copyOf(consumer.assignment())) && !partitions.isEmpty()) {
            java.util.Set<TopicPartition> before = consumer.assignment();
            consumer.assign(partitions);
            List<TopicPartition> added = partitions.stream().filter(p -> !before.contains(p)).toList();
            consumer.seekToBeginning(added);
            if (catchUpTo == null) {
                catchUpTo = consumer.endOffsets(partitions);
            }
        }
    }

    /** Publishes this node's tombstone, so the others stop counting its sessions at once, and stops. */
    @Override
    public void close() {
        running = false;
        publisher.interrupt();
        try {
            publisher.join(1_000);
            producer.send(new ProducerRecord<>(topic, key, null)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("Could not publish this node's presence tombstone to {} ({}); the others stop counting it when "
                    + "its last record ages out", topic, e.toString());
        }
        producer.close(Duration.ofSeconds(2));
        consumer.wakeup();
        try {
            reader.join(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
