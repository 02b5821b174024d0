package io.notifyrelay.bench;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces bench notifications in binary CloudEvents mode, with the headers {@code NotifyPublisher} sets, either
 * paced at a rate or as fast as it can. Each record is stamped with its <em>intended</em> send time (start + i/R),
 * so a producer or broker that falls behind shows up in the latency instead of hiding it (coordinated omission).
 * A plain {@link KafkaProducer} rather than {@code NotifyPublisher}: the publisher validates every notification
 * against the schema, a cost the load generator must not add to the machine; the bench validates its template once.
 */
final class LoadProducer implements AutoCloseable {

    /** Who an event is for; the bench spreads events over targets round-robin, one session per target. */
    record Target(String lobId, String contactId) {
    }

    private static final Header SPEC = header("ce_specversion", "1.0");
    private static final Header SOURCE = header("ce_source", "urn:notify-api");
    private static final Header TYPE = header("ce_type", "notify.connection-response");
    private static final Header CONTENT_TYPE = header("content-type", "application/json");

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Notifications notifications;
    private final Map<String, Header> lobHeaders = new HashMap<>();
    private final AtomicLong errors = new AtomicLong();
    private final Callback onError = (metadata, e) -> {
        if (e != null) {
            errors.incrementAndGet();
        }
    };
    private long sequence;
    /** For --timeline: base of the 100 ms slices (the load client's start) and the worst broker ack, µs. */
    private volatile long timelineBaseNanos = Long.MIN_VALUE;
    final java.util.concurrent.atomic.AtomicLongArray worstAckBySendTime =
            new java.util.concurrent.atomic.AtomicLongArray(36_000);

    /** With {@code traced}, every record carries a new trace as {@code ce_traceparent}, as NotifyPublisher sends. */
    private final boolean traced;

    LoadProducer(String bootstrap, String topic, Notifications notifications, int lingerMs) {
        this(bootstrap, topic, notifications, lingerMs, false);
    }

    LoadProducer(String bootstrap, String topic, Notifications notifications, int lingerMs, boolean traced) {
        this.traced = traced;
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ACKS_CONFIG, "1");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        // Kafka 4 defaults linger.ms to 5; a notification should not wait for company
        config.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-producer");
        this.producer = new KafkaProducer<>(config);
        this.topic = topic;
        this.notifications = notifications;
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }

    long errors() {
        return errors.get();
    }

    /** Record, per 100 ms slice of intended send time since {@code baseNanos}, the worst time to the broker's ack. */
    void trackAcks(long baseNanos) {
        timelineBaseNanos = baseNanos;
    }

    private void send(Target target, byte[] key, long stampNanos, String idPrefix) {
        Header lob = lobHeaders.computeIfAbsent(target.lobId(), l -> header("ce_lobid", l));
        Header id = new RecordHeader("ce_id", (idPrefix + (sequence++)).getBytes(StandardCharsets.US_ASCII));
        byte[] value = notifications.build(key, stampNanos);
        long base = timelineBaseNanos;
        Callback callback = base == Long.MIN_VALUE ? onError : (metadata, e) -> {
            onError.onCompletion(metadata, e);
            long micros = (System.nanoTime() - stampNanos) / 1000;
            int bucket = (int) ((stampNanos - base) / 100_000_000L);
            if (bucket >= 0 && bucket < worstAckBySendTime.length()) {
                worstAckBySendTime.accumulateAndGet(bucket, micros, Math::max);
            }
        };
        List<Header> headers = traced ? List.of(SPEC, id, SOURCE, TYPE, lob, CONTENT_TYPE, newTrace())
                : List.of(SPEC, id, SOURCE, TYPE, lob, CONTENT_TYPE);
        producer.send(new ProducerRecord<>(topic, null, null, key, value, headers), callback);
    }

    private static Header newTrace() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        String traceparent = String.format("00-%016x%016x-%016x-01", random.nextLong() | 1, random.nextLong(),
                random.nextLong() | 1);
        return header("ce_traceparent", traceparent);
    }

    /** Result of a paced run. */
    record Paced(long sent, double seconds, double achievedRate) {
    }

    /**
     * Sends at {@code ratePerSecond} for {@code seconds}, spreading events over {@code targets} (whose contact ids
     * are given as bytes in {@code keys}, same order).
     */
    Paced paced(double ratePerSecond, double seconds, List<Target> targets, List<byte[]> keys, String idPrefix) {
        long total = (long) (ratePerSecond * seconds);
        double intervalNanos = 1e9 / ratePerSecond;
        long start = System.nanoTime();
        long sent = 0;
        int t = (int) (sequence % targets.size());
        while (sent < total) {
            long now = System.nanoTime();
            long due = Math.min(total, (long) ((now - start) / intervalNanos) + 1);
            while (sent < due) {
                send(targets.get(t), keys.get(t), start + (long) (sent * intervalNanos), idPrefix);
                if (++t == targets.size()) {
                    t = 0;
                }
                sent++;
            }
            long nextDue = start + (long) (sent * intervalNanos);
            long wait = nextDue - System.nanoTime();
            if (wait > 20_000) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
        }
        producer.flush();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Paced(sent, elapsed, sent / Math.max(elapsed, 1e-9));
    }

    /** Sends {@code count} events as fast as the producer takes them; stamps each with its send time. */
    Paced burst(long count, List<Target> targets, List<byte[]> keys, String idPrefix) {
        long start = System.nanoTime();
        int t = 0;
        for (long i = 0; i < count; i++) {
            send(targets.get(t), keys.get(t), System.nanoTime(), idPrefix);
            if (++t == targets.size()) {
                t = 0;
            }
        }
        producer.flush();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Paced(count, elapsed, count / Math.max(elapsed, 1e-9));
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }

    static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
