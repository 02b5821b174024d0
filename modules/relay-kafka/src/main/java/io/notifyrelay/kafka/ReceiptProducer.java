package io.notifyrelay.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.CloudEventHeaders;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.receipt.Receipt;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.core.receipt.ReceiptSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces receipts to the receipts topic as CloudEvents in binary mode, keyed by the notification's key.
 * {@link #offer} only puts the receipt in a bounded queue: a thread of its own hands the queue to the Kafka
 * producer, which batches (linger). So a slow or absent Kafka never slows delivery: the queue fills, and what
 * does not fit is counted and logged (rate-limited), not waited for.
 */
public final class ReceiptProducer implements ReceiptSink, AutoCloseable {

    public static final String TYPE = "notify.relay.receipt";

    private static final Logger log = LoggerFactory.getLogger(ReceiptProducer.class);
    private static final RateLimitedLog lossLog = new RateLimitedLog(log, 1);
    private static final byte[] SPEC_VERSION = CloudEventHeaders.SPEC_VERSION_1_0.getBytes(StandardCharsets.UTF_8);
    private static final byte[] TYPE_BYTES = TYPE.getBytes(StandardCharsets.UTF_8);
    private static final byte[] JSON = CloudEventHeaders.JSON_CONTENT_TYPE.getBytes(StandardCharsets.UTF_8);

    private final String topic;
    private final byte[] source;
    private final Producer<byte[], byte[]> producer;
    private final BlockingQueue<Receipt> queue;
    private final Map<ReceiptOutcome, Counter> produced = new EnumMap<>(ReceiptOutcome.class);
    private final Counter overflow;
    private final Counter failed;
    private final Thread sender;
    private volatile boolean running = true;
    /**
     * ce_id is unique per ce_source (this node): a random prefix per start and a sequence, cheaper than a
     * SecureRandom UUID per receipt. Only the sender thread counts.
     */
    private final String idPrefix = UUID.randomUUID() + "-";
    private long sequence;
    private long lastTimeMs;
    private byte[] lastTime;
    private static final int BATCH = 512;

    ReceiptProducer(String topic, String node, Producer<byte[], byte[]> producer, int maxQueued,
                    MeterRegistry meterRegistry) {
        this.topic = topic;
        this.source = ("urn:notify-relay:" + node).getBytes(StandardCharsets.UTF_8);
        this.producer = producer;
        this.queue = new ArrayBlockingQueue<>(maxQueued);
        for (ReceiptOutcome outcome : ReceiptOutcome.values()) {
            produced.put(outcome, Counter.builder("relay.receipts").tag("outcome", outcome.wireName())
                    .description("Receipts written to the receipts topic, by outcome").register(meterRegistry));
        }
        this.overflow = lost("overflow", meterRegistry);
        this.failed = lost("send_failed", meterRegistry);
        Gauge.builder("relay.receipts.queued", queue, BlockingQueue::size)
                .description("Receipts waiting for the Kafka producer").register(meterRegistry);
        this.sender = new Thread(this::run, "relay-receipts");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Opens the receipts topic (created when missing) and the producer.
     *
     * @param maxQueued receipts that may wait for the producer; beyond, new ones are dropped and counted
     */
    public static ReceiptProducer open(ConsumerSettings settings, String topic, String node, int maxQueued,
                                       MeterRegistry meterRegistry) {
        TopicCreation.ensure(settings, topic, Map.of(), "receipts", "RELAY_RECEIPTS_TOPIC");
        Map<String, Object> config = TopicCreation.producerConfig(settings, "notify-relay-receipts");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        // no compression: kafkajs, which the Notify API may read receipts with, reads only gzip of the codecs
        // without a plugin, and a receipt is ~250 bytes
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        // the sender thread, never a delivery path, waits at most this long for metadata or buffer room
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        return new ReceiptProducer(topic, node,
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), maxQueued,
                meterRegistry);
    }

    public String topic() {
        return topic;
    }

    @Override
    public void offer(Receipt receipt) {
        if (!running || !queue.offer(receipt)) {
            overflow.increment();
            lossLog.warn("Receipts queue full ({} waiting): dropped a {} receipt of event {}; is Kafka slow?",
                    queue.size(), receipt.outcome().wireName(), receipt.eventId());
        }
    }

    private void run() {
        java.util.List<Receipt> batch = new java.util.ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Receipt first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                send(first);
                // whatever else is waiting in one go: one lock, no wake-up per receipt
                queue.drainTo(batch, BATCH);
                for (Receipt receipt : batch) {
                    send(receipt);
                }
                batch.clear();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void send(Receipt receipt) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.SPEC_VERSION, SPEC_VERSION);
        headers.add(CloudEventHeaders.ID, (idPrefix + (++sequence)).getBytes(StandardCharsets.UTF_8));
        headers.add(CloudEventHeaders.SOURCE, source);
        headers.add(CloudEventHeaders.TYPE, TYPE_BYTES);
        headers.add(CloudEventHeaders.TIME, time(receipt.atMs()));
        headers.add(CloudEventHeaders.CONTENT_TYPE, JSON);
        try {
            producer.send(new ProducerRecord<>(topic, null, receipt.contactId().getBytes(StandardCharsets.UTF_8),
                    receipt.toJson(), headers), (metadata, failure) -> {
                        if (failure == null) {
                            produced.get(receipt.outcome()).increment();
                        } else {
                            sendFailed(receipt, failure);
                        }
                    });
        } catch (RuntimeException e) {
            sendFailed(receipt, e); // metadata or buffer room not there within max.block.ms
        }
    }

    /** ce_time bytes, formatted once per millisecond: receipts come in bursts of the same instant. */
    private byte[] time(long atMs) {
        if (atMs != lastTimeMs || lastTime == null) {
            lastTime = Instant.ofEpochMilli(atMs).toString().getBytes(StandardCharsets.UTF_8);
            lastTimeMs = atMs;
        }
        return lastTime;
    }

    private void sendFailed(Receipt receipt, Exception failure) {
        failed.increment();
        lossLog.warn("Could not produce a {} receipt of event {} to {}: {}", receipt.outcome().wireName(),
                receipt.eventId(), topic, failure.toString());
    }

    /** Hands over what is queued (bounded by {@code timeout}), then closes the producer. */
    public void close(Duration timeout) {
        running = false;
        try {
            sender.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private static Counter lost(String reason, MeterRegistry meterRegistry) {
        return Counter.builder("relay.receipts.lost").tag("reason", reason)
                .description("Receipts not written: overflow (the queue was full) or send_failed (Kafka refused or "
                        + "timed out)").register(meterRegistry);
    }
}
