package io.notifyrelay.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.CloudEventHeaders;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.receipt.InstantText;
import io.notifyrelay.core.receipt.Receipt;
import io.notifyrelay.core.receipt.ReceiptJson;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.core.receipt.ReceiptSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
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
    private static final Header SPEC_VERSION = header(CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
    private static final Header TYPE_HEADER = header(CloudEventHeaders.TYPE, TYPE);
    private static final Header CONTENT_TYPE = header(CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON_CONTENT_TYPE);
    private static final int BATCH = 512;
    /** While receipts keep coming, the sender takes them this often rather than being woken for each. */
    private static final long DRAIN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final String topic;
    private final Header source;
    private final Producer<byte[], byte[]> producer;
    private final BlockingQueue<Receipt> queue;
    private final Counter[] produced = new Counter[ReceiptOutcome.values().length];
    private final Counter overflow;
    private final Counter failed;
    private final Thread sender;
    private volatile boolean running = true;
    /**
     * ce_id is unique per ce_source (this node): a random prefix per start and a sequence, cheaper than a
     * SecureRandom UUID per receipt. Only the sender thread counts.
     */
    private final byte[] idPrefix = (UUID.randomUUID() + "-").getBytes(StandardCharsets.US_ASCII);
    private long sequence;
    private long lastTimeMs;
    private byte[] lastTime;
    private final InstantText instantText = new InstantText();
    private Header timeHeader;

    ReceiptProducer(String topic, String node, Producer<byte[], byte[]> producer, int maxQueued,
                    MeterRegistry meterRegistry) {
        this.topic = topic;
        this.source = header(CloudEventHeaders.SOURCE, "urn:notify-relay:" + node);
        this.producer = producer;
        this.queue = new ArrayBlockingQueue<>(maxQueued);
        for (ReceiptOutcome outcome : ReceiptOutcome.values()) {
            produced[outcome.ordinal()] = Counter.builder("relay.receipts").tag("outcome", outcome.wireName())
                    .description("Receipts written to the receipts topic, by outcome").register(meterRegistry);
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
        // a receipt is ~450 bytes with its headers: 16 KB batches filled (a new batch wakes the network thread
        // and makes a request) some 35 receipts apart under load; 128 KB ones (pooled) hold a linger's worth
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
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
        List<Receipt> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            try {
                if (queue.drainTo(batch, BATCH) == 0) {
                    // idle: wait for a receipt (the offer signals this one waiter)
                    Receipt first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        send(first);
                    }
                    continue;
                }
                for (Receipt receipt : batch) {
                    send(receipt);
                }
                boolean backlog = batch.size() == BATCH;
                batch.clear();
                if (!backlog) {
                    // busy: take the next ones in DRAIN_EVERY, not woken per receipt (a futex wake-up and a
                    // context switch per delivered event); the producer lingers 50 ms anyway
                    TimeUnit.NANOSECONDS.sleep(DRAIN_EVERY_NANOS);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void send(Receipt receipt) {
        byte[] time = time(receipt.atMs());
        try {
            // the constant headers are shared: a RecordHeader made of a byte[] is never changed by the producer
            Header[] headers = {SPEC_VERSION, new RecordHeader(CloudEventHeaders.ID, nextId()), source, TYPE_HEADER,
                    timeHeader, CONTENT_TYPE};
            producer.send(new ProducerRecord<>(topic, null, receipt.contactId().getBytes(StandardCharsets.UTF_8),
                    ReceiptJson.encode(receipt, time), new RecordHeaders(headers)), (metadata, failure) -> {
                        if (failure == null) {
                            produced[receipt.outcome().ordinal()].increment();
                        } else {
                            sendFailed(receipt, failure);
                        }
                    });
        } catch (RuntimeException e) {
            sendFailed(receipt, e); // metadata or buffer room not there within max.block.ms
        }
    }

    /** ce_id: the per-start prefix and the next sequence number, written straight into one array. */
    private byte[] nextId() {
        long n = ++sequence;
        int digits = 1;
        for (long bound = 10; digits < 19 && n >= bound; bound *= 10) {
            digits++;
        }
        byte[] id = Arrays.copyOf(idPrefix, idPrefix.length + digits);
        for (int i = id.length - 1; i >= idPrefix.length; i--) {
            id[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return id;
    }

    /**
     * ce_time and the value's {@code at}, formatted once per millisecond: receipts come in bursts of the same
     * instant. Also sets {@link #timeHeader}.
     */
    private byte[] time(long atMs) {
        if (atMs != lastTimeMs || lastTime == null) {
            lastTime = instantText.format(atMs);
            lastTimeMs = atMs;
            timeHeader = new RecordHeader(CloudEventHeaders.TIME, lastTime);
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

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Counter lost(String reason, MeterRegistry meterRegistry) {
        return Counter.builder("relay.receipts.lost").tag("reason", reason)
                .description("Receipts not written: overflow (the queue was full) or send_failed (Kafka refused or "
                        + "timed out)").register(meterRegistry);
    }
}
