package io.notifyrelay.publisher;

import io.notifyrelay.core.CloudEventHeaders;
import io.notifyrelay.core.schema.NotificationSchema;
import io.notifyrelay.core.schema.NotificationValidation;
import io.notifyrelay.core.schema.ValidationError;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes Notify API notifications to Kafka in the relay's envelope: key = contactId, value = the
 * notification unchanged, CloudEvents 1.0 binary-mode headers ({@code ce_*}, {@code content-type}).
 *
 * <p>Every notification is checked against {@code schemas/notification.schema.json} before anything is sent,
 * so a bad notification fails here, at its producer, instead of being dropped by the relay.
 *
 * <p>Thread-safe; share one instance per application (it holds one Kafka producer).
 */
public final class NotifyPublisher implements AutoCloseable {

    public static final String DEFAULT_SOURCE = "urn:notify-api";

    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String source;
    private final Clock clock;
    private final NotificationSchema schema;
    private final Map<String, Object> producerConfig;
    private final PublishTracing tracing;

    private NotifyPublisher(Builder builder, Producer<byte[], byte[]> producer, Map<String, Object> producerConfig) {
        this.producer = producer;
        this.topic = builder.topic;
        this.source = builder.source;
        this.clock = builder.clock;
        this.schema = NotificationSchema.instance();
        this.producerConfig = producerConfig;
        this.tracing = new PublishTracing(builder.openTelemetry, builder.topic);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String topic() {
        return topic;
    }

    public String source() {
        return source;
    }

    /** The configuration of the producer this publisher created; empty when a producer was injected. */
    public Map<String, Object> producerConfig() {
        return producerConfig;
    }

    /**
     * Publishes and waits for the broker's acknowledgement.
     *
     * @param lobId            the LOB that must receive the notification ({@code ce_lobid})
     * @param contactId        the record key; must equal the contactId inside the notification
     * @param notificationJson the notification, sent byte for byte as given
     * @throws InvalidNotificationException if the notification is invalid or names another contact; nothing is sent
     * @throws IllegalArgumentException     if lobId or contactId is blank
     * @throws PublishFailedException       if Kafka did not acknowledge the record
     */
    public PublishResult publish(String lobId, String contactId, byte[] notificationJson) {
        return await(publishAsync(lobId, contactId, notificationJson));
    }

    /** As {@link #publish(String, String, byte[])}, with the notification as text (sent as UTF-8). */
    public PublishResult publish(String lobId, String contactId, String notificationJson) {
        return publish(lobId, contactId, utf8(notificationJson));
    }

    /** Publishes under the contactId found inside the notification. */
    public PublishResult publish(String lobId, byte[] notificationJson) {
        return await(publishAsync(lobId, notificationJson));
    }

    /** Publishes under the contactId found inside the notification. */
    public PublishResult publish(String lobId, String notificationJson) {
        return publish(lobId, utf8(notificationJson));
    }

    /**
     * Publishes without waiting. Argument and validation errors are thrown right away (nothing is sent);
     * Kafka errors complete the future exceptionally.
     */
    public CompletableFuture<PublishResult> publishAsync(String lobId, String contactId, byte[] notificationJson) {
        return publishAsync(lobId, contactId, notificationJson, Expiry.NONE);
    }

    /**
     * As {@link #publishAsync(String, String, byte[])}, expiring as {@code expiry} says ({@code ce_expirytime}):
     * past it the relay shows the notification to nobody and produces an {@code expired} receipt.
     */
    public CompletableFuture<PublishResult> publishAsync(String lobId, String contactId, byte[] notificationJson,
                                                         Expiry expiry) {
        requireNonBlank(contactId, "contactId");
        return send(lobId, contactId, notificationJson, expiry);
    }

    /** As {@link #publish(String, String, byte[])}, expiring as {@code expiry} says. */
    public PublishResult publish(String lobId, String contactId, byte[] notificationJson, Expiry expiry) {
        return await(publishAsync(lobId, contactId, notificationJson, expiry));
    }

    public PublishResult publish(String lobId, String contactId, String notificationJson, Expiry expiry) {
        return publish(lobId, contactId, utf8(notificationJson), expiry);
    }

    /** Publishes under the contactId found inside the notification, expiring as {@code expiry} says. */
    public PublishResult publish(String lobId, byte[] notificationJson, Expiry expiry) {
        return await(publishAsync(lobId, notificationJson, expiry));
    }

    public CompletableFuture<PublishResult> publishAsync(String lobId, String contactId, String notificationJson) {
        return publishAsync(lobId, contactId, utf8(notificationJson));
    }

    /** Publishes without waiting, under the contactId found inside the notification. */
    public CompletableFuture<PublishResult> publishAsync(String lobId, byte[] notificationJson) {
        return send(lobId, null, notificationJson, Expiry.NONE);
    }

    /** Publishes without waiting, under the contactId found inside the notification, expiring as told. */
    public CompletableFuture<PublishResult> publishAsync(String lobId, byte[] notificationJson, Expiry expiry) {
        return send(lobId, null, notificationJson, expiry);
    }

    public CompletableFuture<PublishResult> publishAsync(String lobId, String notificationJson) {
        return publishAsync(lobId, utf8(notificationJson));
    }

    /** Sends everything handed to the producer so far and waits for it. */
    public void flush() {
        producer.flush();
    }

    /** Sends what is pending (waiting up to 30 s) and closes the producer, including an injected one. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }

    private CompletableFuture<PublishResult> send(String lobId, String expectedContactId, byte[] notificationJson,
                                                  Expiry expiry) {
        requireNonBlank(lobId, "lobId");
        Objects.requireNonNull(notificationJson, "notificationJson");
        Objects.requireNonNull(expiry, "expiry");
        NotificationValidation validation = schema.validate(notificationJson);
        if (!validation.isValid()) {
            throw new InvalidNotificationException(validation.errors());
        }
        String contactId = validation.contactId();
        if (expectedContactId != null && !expectedContactId.equals(contactId)) {
            // the key routes the notification; a key naming another contact would deliver it to the wrong people
            throw new InvalidNotificationException(List.of(new ValidationError(contactIdPointer(validation),
                    "contactId " + quote(contactId) + " differs from the contactId " + quote(expectedContactId)
                            + " it is being published under")));
        }

        String eventId = UUID.randomUUID().toString();
        // millisecond precision: ce_time then equals the record timestamp Kafka stores
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.SPEC_VERSION, utf8(CloudEventHeaders.SPEC_VERSION_1_0));
        headers.add(CloudEventHeaders.ID, utf8(eventId));
        headers.add(CloudEventHeaders.SOURCE, utf8(source));
        headers.add(CloudEventHeaders.TYPE, utf8(validation.payloadType().cloudEventType()));
        headers.add(CloudEventHeaders.TIME, utf8(DateTimeFormatter.ISO_INSTANT.format(now)));
        headers.add(CloudEventHeaders.LOB_ID, utf8(lobId));
        Instant expiresAt = expiry.resolve(now);
        if (expiresAt != null) {
            headers.add(CloudEventHeaders.EXPIRY_TIME,
                    utf8(DateTimeFormatter.ISO_INSTANT.format(expiresAt.truncatedTo(ChronoUnit.MILLIS))));
        }
        headers.add(CloudEventHeaders.CONTENT_TYPE, utf8(CloudEventHeaders.JSON_CONTENT_TYPE));
        PublishTracing.Publication trace = tracing.start(eventId);
        trace.headers().forEach((name, value) -> headers.add(name, utf8(value)));
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topic, null, now.toEpochMilli(), utf8(contactId), notificationJson, headers);

        CompletableFuture<PublishResult> result = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, exception) -> {
                trace.end(exception);
                if (exception != null) {
                    result.completeExceptionally(exception);
                } else {
                    Instant timestamp = metadata.hasTimestamp() ? Instant.ofEpochMilli(metadata.timestamp()) : now;
                    result.complete(new PublishResult(metadata.topic(), metadata.partition(), metadata.offset(),
                            eventId, timestamp, trace.traceparent()));
                }
            });
        } catch (RuntimeException e) {
            // send() may also throw (e.g. producer closed, metadata timeout); report it like any Kafka failure
            trace.end(e);
            result.completeExceptionally(e);
        }
        return result;
    }

    private static PublishResult await(CompletableFuture<PublishResult> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishFailedException("interrupted while waiting for Kafka's acknowledgement", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new PublishFailedException("Kafka did not accept the notification: " + cause, cause);
        }
    }

    private static String contactIdPointer(NotificationValidation validation) {
        return switch (validation.payloadType()) {
            case CONNECTION_RESPONSE -> "/payload/contactId";
            case ISSUANCE_RESPONSE, VERIFICATION_RESPONSE -> "/payload/contactDetail/contactId";
        };
    }

    private static void requireNonBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    private static String quote(String s) {
        return '"' + s + '"';
    }

    private static byte[] utf8(String s) {
        return Objects.requireNonNull(s).getBytes(StandardCharsets.UTF_8);
    }

    /** Builds a {@link NotifyPublisher}; either {@link #bootstrapServers} or {@link #producer} is required. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic = CloudEventHeaders.DEFAULT_TOPIC;
        private String source = DEFAULT_SOURCE;
        private final Map<String, Object> extraProperties = new LinkedHashMap<>();
        private Producer<byte[], byte[]> producer;
        private Clock clock = Clock.systemUTC();
        private io.opentelemetry.api.OpenTelemetry openTelemetry = io.opentelemetry.api.OpenTelemetry.noop();

        private Builder() {
        }

        /**
         * The application's OpenTelemetry, for a PRODUCER span per notification. Without it (or with a no-op one)
         * the publisher still continues the caller's current trace ({@code Context.current()}) or starts one, and
         * sends it as {@code ce_traceparent}.
         */
        public Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
            this.openTelemetry = Objects.requireNonNull(openTelemetry);
            return this;
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /** The {@code ce_source} attribute, a URI-reference naming the producer. */
        public Builder source(String source) {
            this.source = source;
            return this;
        }

        /** Any Kafka producer setting (security, timeouts, ...); overrides the defaults except the serializers. */
        public Builder producerProperty(String name, Object value) {
            extraProperties.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        public Builder producerProperties(Map<String, ?> properties) {
            properties.forEach(this::producerProperty);
            return this;
        }

        /** Uses this producer instead of creating one (e.g. a MockProducer in tests). The publisher closes it. */
        public Builder producer(Producer<byte[], byte[]> producer) {
            this.producer = producer;
            return this;
        }

        /** The clock for {@code ce_time} and the record timestamp. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public NotifyPublisher build() {
            requireNonBlank(topic, "topic");
            requireNonBlank(source, "source");
            if (producer != null) {
                if (bootstrapServers != null || !extraProperties.isEmpty()) {
                    throw new IllegalStateException("an injected producer is already configured: "
                            + "do not also set bootstrapServers or producer properties");
                }
                return new NotifyPublisher(this, producer, Map.of());
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalStateException("bootstrapServers is required (or inject a producer)");
            }
            Map<String, Object> config = producerConfig();
            return new NotifyPublisher(this, new KafkaProducer<>(config), Map.copyOf(config));
        }

        private Map<String, Object> producerConfig() {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "notify-publisher-" + CLIENT_SEQUENCE.incrementAndGet());
            // idempotent + acks=all: a retried send is written once and only acknowledged once replicated
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            // retry until delivery.timeout.ms; up to 5 in-flight requests keep per-partition order with idempotence
            config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
            config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            // notifications are small and latency-sensitive: batch only what arrives within 5 ms
            config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            config.putAll(extraProperties);
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            return config;
        }
    }
}
