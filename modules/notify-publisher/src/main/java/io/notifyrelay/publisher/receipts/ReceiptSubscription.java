package io.notifyrelay.publisher.receipts;

import io.notifyrelay.core.CloudEventHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receipts for the Notify API: reads the relay's receipts topic in a consumer group of its own and hands each
 * receipt of the events it cares about to a listener, on one thread of its own, in order per contact.
 * Receipts are at least once: a receipt may come twice (same {@code eventId} and outcome), e.g. after a relay
 * node restarts, so what the listener does (fall back to e-mail after {@code undelivered}) should be idempotent.
 *
 * <pre>{@code
 * try (ReceiptSubscription receipts = ReceiptSubscription.builder()
 *         .bootstrapServers("kafka:9092").topic("notify.events.receipts").groupId("notify-api-receipts")
 *         .forEvents(published::contains)
 *         .onReceipt(receipt -> { if (receipt.outcome() == ReceiptOutcome.UNDELIVERED) sendEmail(receipt); })
 *         .start()) { ... }
 * }</pre>
 */
public final class ReceiptSubscription implements AutoCloseable {

    public static final String RECEIPT_TYPE = "notify.relay.receipt";

    private static final Logger log = LoggerFactory.getLogger(ReceiptSubscription.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final Predicate<String> eventIds;
    private final Consumer<DeliveryReceipt> listener;
    private final Thread thread;
    private volatile boolean running = true;

    private ReceiptSubscription(Builder builder) {
        Map<String, Object> config = new HashMap<>(builder.properties);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, builder.bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, builder.groupId);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "notify-receipts");
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = builder.topic;
        this.eventIds = builder.eventIds;
        this.listener = builder.listener;
        this.thread = new Thread(this::run, "notify-receipts");
        thread.setDaemon(true);
    }

    public static Builder builder() {
        return new Builder();
    }

    private ReceiptSubscription start() {
        consumer.subscribe(List.of(topic));
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Header type = record.headers().lastHeader(CloudEventHeaders.TYPE);
                    if (type == null || record.value() == null
                            || !RECEIPT_TYPE.equals(new String(type.value(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    DeliveryReceipt.parse(record.value()).filter(receipt -> eventIds.test(receipt.eventId()))
                            .ifPresent(this::hand);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            log.error("Receipts subscription to {} stopped", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void hand(DeliveryReceipt receipt) {
        try {
            listener.accept(receipt);
        } catch (RuntimeException e) {
            log.warn("Receipt listener failed on {} of event {}", receipt.outcome(), receipt.eventId(), e);
        }
    }

    /** Stops reading (offsets of handed receipts are committed) and waits for the thread, at most 10 s. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds and starts a subscription; bootstrap servers and a listener are required. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic = CloudEventHeaders.DEFAULT_TOPIC + ".receipts";
        private String groupId = "notify-api-receipts";
        private Predicate<String> eventIds = id -> true;
        private Consumer<DeliveryReceipt> listener;
        private final Map<String, Object> properties = new HashMap<>();

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** The relay's RELAY_RECEIPTS_TOPIC; by default {@code notify.events.receipts}. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** The consumer group: instances of one service share the receipts; by default notify-api-receipts. */
        public Builder groupId(String groupId) {
            this.groupId = Objects.requireNonNull(groupId, "groupId");
            return this;
        }

        /** Only receipts of events whose id passes (e.g. the ids this service published); by default all. */
        public Builder forEvents(Predicate<String> eventIds) {
            this.eventIds = Objects.requireNonNull(eventIds, "eventIds");
            return this;
        }

        /** Called for each receipt on the subscription's thread; what it throws is logged, not fatal. */
        public Builder onReceipt(Consumer<DeliveryReceipt> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Any Kafka consumer property (security, auto.offset.reset …). */
        public Builder consumerProperty(String name, Object value) {
            properties.put(name, value);
            return this;
        }

        public ReceiptSubscription start() {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(listener, "onReceipt");
            return new ReceiptSubscription(this).start();
        }
    }
}
