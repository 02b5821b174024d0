package io.notifyrelay.kafka;

import io.notifyrelay.core.log.RateLimitedLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.InboundRecord;
import io.notifyrelay.core.RejectReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies records the relay cannot deliver to a dead-letter topic, byte for byte with their headers, plus
 * headers saying where they came from and why, so nothing is lost and someone can find and fix them.
 * Sending is asynchronous: the consumer loop never waits for it.
 */
public final class DeadLetterQueue implements AutoCloseable {

    public static final String ORIGINAL_TOPIC = "dlq_original_topic";
    public static final String ORIGINAL_PARTITION = "dlq_original_partition";
    public static final String ORIGINAL_OFFSET = "dlq_original_offset";
    public static final String ORIGINAL_TIMESTAMP = "dlq_original_timestamp";
    public static final String REASON = "dlq_reason";
    public static final String DETAIL = "dlq_detail";
    public static final String NODE = "dlq_node";
    public static final String TIME = "dlq_time";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterQueue.class);
    /** Every bad record a producer sends could fail to be copied: a few lines a second at most. */
    private static final RateLimitedLog failureLog = new RateLimitedLog(log, 5);

    private final String topic;
    private final String node;
    private final Producer<byte[], byte[]> producer;
    private final MeterRegistry meterRegistry;

    DeadLetterQueue(String topic, String node, Producer<byte[], byte[]> producer, MeterRegistry meterRegistry) {
        this.topic = topic;
        this.node = node;
        this.producer = producer;
        this.meterRegistry = meterRegistry;
        for (RejectReason reason : RejectReason.values()) {
            // registered up front so dashboards show zeros rather than gaps
            deadLettered(reason.name());
        }
        failures();
    }

    /**
     * Opens the dead-letter topic, creating it when it does not exist.
     *
     * @throws IllegalStateException saying what to do when the topic can be neither found nor created
     */
    public static DeadLetterQueue open(ConsumerSettings settings, String topic, String node, MeterRegistry meterRegistry) {
        TopicCreation.ensure(settings, topic, Map.of(), "dead-letter", "RELAY_DEAD_LETTER_TOPIC");
        Map<String, Object> config = TopicCreation.producerConfig(settings, "notify-relay-dlq");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return new DeadLetterQueue(topic, node,
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()), meterRegistry);
    }

    public String topic() {
        return topic;
    }

    /** Sends the rejected record on its way; failures are logged and counted, never thrown. */
    public void send(DecodeResult.Rejected rejected) {
        InboundRecord record = rejected.record();
        RecordHeaders headers = new RecordHeaders();
        record.headers().forEach(headers::add);
        header(headers, ORIGINAL_TOPIC, record.topic());
        header(headers, ORIGINAL_PARTITION, String.valueOf(record.partition()));
        header(headers, ORIGINAL_OFFSET, String.valueOf(record.offset()));
        header(headers, ORIGINAL_TIMESTAMP, String.valueOf(record.timestampMs()));
        header(headers, REASON, rejected.reason().name());
        header(headers, DETAIL, rejected.detail());
        header(headers, NODE, node);
        header(headers, TIME, Instant.now().toString());
        String reason = rejected.reason().name();
        producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers), (metadata, failure) -> {
            if (failure == null) {
                deadLettered(reason).increment();
            } else {
                failures().increment();
                failureLog.error("Could not dead-letter {} ({}): {}", record.where(), reason, failure.toString());
            }
        });
    }

    private static void header(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    private io.micrometer.core.instrument.Counter deadLettered(String reason) {
        return io.micrometer.core.instrument.Counter.builder("relay.dead.lettered").tag("reason", reason)
                .description("Records copied to the dead-letter topic, by the reason they could not be relayed")
                .register(meterRegistry);
    }

    private io.micrometer.core.instrument.Counter failures() {
        return io.micrometer.core.instrument.Counter.builder("relay.dead.letter.failures")
                .description("Records that could not be relayed and whose copy to the dead-letter topic failed")
                .register(meterRegistry);
    }
}
