package io.notifyrelay.publisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.PayloadType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NotifyPublisherTest {

    private static final Instant NOW = Instant.parse("2025-04-02T13:21:33.120Z");
    private static final String FABER_SIDE_CONTACT = "843adb07-c0f3-4ad2-b08a-7680fe7eed8f";
    private static final String ISSUER_SIDE_CONTACT = "56d501ce-2bec-4433-89a1-93b7ee820987";

    private MockProducer<byte[], byte[]> producer = mockProducer(true);
    private NotifyPublisher publisher = publisherOver(producer);

    private static MockProducer<byte[], byte[]> mockProducer(boolean autoComplete) {
        return new MockProducer<>(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static NotifyPublisher publisherOver(MockProducer<byte[], byte[]> producer) {
        return NotifyPublisher.builder().producer(producer).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    }

    @AfterEach
    void closePublisher() {
        publisher.close();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> headerLines(ProducerRecord<byte[], byte[]> record) {
        List<String> lines = new ArrayList<>();
        for (Header header : record.headers()) {
            lines.add(header.key() + "=" + utf8(header.value()));
        }
        return lines;
    }

    @Test
    void sendsTheNotificationUnchangedKeyedByContactWithCloudEventHeaders() {
        byte[] notification = Examples.valid("connection-accepted");

        PublishResult result = publisher.publish("lob-faber", FABER_SIDE_CONTACT, notification);

        assertEquals(1, producer.history().size());
        ProducerRecord<byte[], byte[]> record = producer.history().get(0);
        assertEquals("notify.events", record.topic());
        assertEquals(FABER_SIDE_CONTACT, utf8(record.key()));
        assertArrayEquals(notification, record.value());
        assertEquals(NOW.toEpochMilli(), record.timestamp());
        assertEquals(List.of(
                "ce_specversion=1.0",
                "ce_id=" + result.eventId(),
                "ce_source=urn:notify-api",
                "ce_type=notify.connection-response",
                "ce_time=2025-04-02T13:21:33.120Z",
                "ce_lobid=lob-faber",
                "content-type=application/json",
                "ce_traceparent=" + result.traceparent()), headerLines(record));
        assertEquals(result.eventId(), UUID.fromString(result.eventId()).toString(), "ce_id is a random UUID");
        assertEquals("notify.events", result.topic());
        assertEquals(0L, result.offset());
        assertEquals(NOW, result.timestamp());
    }

    @Test
    void ceTimeHasMillisecondPrecisionLikeTheRecordTimestamp() {
        publisher.close();
        producer = mockProducer(true);
        Instant withNanos = Instant.parse("2025-04-02T13:21:33.123456789Z");
        publisher = NotifyPublisher.builder().producer(producer).clock(Clock.fixed(withNanos, ZoneOffset.UTC)).build();

        publisher.publish("lob-faber", Examples.valid("connection-accepted"));

        ProducerRecord<byte[], byte[]> record = producer.history().get(0);
        assertEquals("2025-04-02T13:21:33.123Z", utf8(record.headers().lastHeader("ce_time").value()));
        assertEquals(Instant.parse("2025-04-02T13:21:33.123Z").toEpochMilli(), record.timestamp());
    }

    @ParameterizedTest
    @CsvSource({
            "connection-received, CONNECTION_RESPONSE, 843adb07-c0f3-4ad2-b08a-7680fe7eed8f",
            "issuance-offer-received, ISSUANCE_RESPONSE, 56d501ce-2bec-4433-89a1-93b7ee820987",
            "verification-presentation-requested, VERIFICATION_RESPONSE, 56d501ce-2bec-4433-89a1-93b7ee820987",
    })
    void typeAndKeyComeFromTheNotificationWhenNoContactIsGiven(String example, PayloadType type, String contactId) {
        publisher.publish("lob-faber", Examples.valid(example));

        ProducerRecord<byte[], byte[]> record = producer.history().get(0);
        assertEquals(contactId, utf8(record.key()));
        assertEquals("ce_type=" + type.cloudEventType(), headerLines(record).get(3));
    }

    @Test
    void everyEventGetsItsOwnId() {
        PublishResult first = publisher.publish("lob-faber", FABER_SIDE_CONTACT, Examples.valid("connection-accepted"));
        PublishResult second = publisher.publish("lob-faber", FABER_SIDE_CONTACT, Examples.valid("connection-accepted"));

        assertNotEquals(first.eventId(), second.eventId());
        assertEquals(1L, second.offset());
    }

    @Test
    void sourceTopicAndTextInputAreHonoured() {
        publisher.close();
        producer = mockProducer(true);
        publisher = NotifyPublisher.builder().producer(producer).topic("notify.test").source("urn:notify-api:eu")
                .build();
        String notification = utf8(Examples.valid("issuance-stored-in-wallet"));

        PublishResult result = publisher.publish("lob-é", ISSUER_SIDE_CONTACT, notification);

        ProducerRecord<byte[], byte[]> record = producer.history().get(0);
        assertEquals("notify.test", result.topic());
        assertEquals("notify.test", record.topic());
        assertTrue(headerLines(record).contains("ce_source=urn:notify-api:eu"));
        assertArrayEquals("lob-é".getBytes(StandardCharsets.UTF_8), record.headers().lastHeader("ce_lobid").value());
        assertEquals(notification, utf8(record.value()));
    }

    @Test
    void invalidNotificationIsRejectedWithEveryErrorAndNothingIsSent() {
        String notification = """
                {"payloadType":"CONNECTION_RESPONSE","payload":{"contactId":" ","state":"nope"}}""";

        InvalidNotificationException e = assertThrows(InvalidNotificationException.class,
                () -> publisher.publish("lob-faber", notification));

        assertEquals(2, e.errors().size(), e::getMessage);
        assertTrue(e.getMessage().contains("/payload/contactId: must not be blank"), e.getMessage());
        assertTrue(e.getMessage().contains("/payload/state"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was sent"), e.getMessage());
        assertTrue(producer.history().isEmpty());
    }

    @Test
    void theSeedExampleWithTheMissingCommaIsRejected() {
        byte[] notification = Examples.invalid("seed-verification-request-sent-missing-comma");

        assertThrows(InvalidNotificationException.class,
                () -> publisher.publishAsync("lob-faber", FABER_SIDE_CONTACT, notification));
        assertTrue(producer.history().isEmpty());
    }

    @Test
    void contactIdDifferentFromTheNotificationsIsRejected() {
        InvalidNotificationException e = assertThrows(InvalidNotificationException.class,
                () -> publisher.publish("lob-faber", "someone-else", Examples.valid("issuance-stored-in-wallet")));

        assertEquals("/payload/contactDetail/contactId", e.errors().get(0).pointer());
        assertTrue(e.getMessage().contains(ISSUER_SIDE_CONTACT) && e.getMessage().contains("someone-else"),
                e.getMessage());
        assertTrue(producer.history().isEmpty());
    }

    @Test
    void blankLobOrContactIsRejected() {
        byte[] notification = Examples.valid("connection-accepted");

        assertThrows(IllegalArgumentException.class, () -> publisher.publish(" ", FABER_SIDE_CONTACT, notification));
        assertThrows(IllegalArgumentException.class, () -> publisher.publish(null, notification));
        assertThrows(IllegalArgumentException.class, () -> publisher.publish("lob-faber", "", notification));
        assertTrue(producer.history().isEmpty());
    }

    @Test
    void asyncPublishCompletesWhenKafkaAcknowledgesAndFailsWhenItDoesNot() throws Exception {
        publisher.close();
        producer = mockProducer(false);
        publisher = publisherOver(producer);

        CompletableFuture<PublishResult> acknowledged =
                publisher.publishAsync("lob-faber", Examples.valid("connection-accepted"));
        CompletableFuture<PublishResult> refused =
                publisher.publishAsync("lob-faber", Examples.valid("connection-declined"));
        assertFalse(acknowledged.isDone());

        assertTrue(producer.completeNext());
        assertTrue(producer.errorNext(new NotEnoughReplicasException("only 1 in-sync replica")));

        assertEquals(0L, acknowledged.get().offset());
        ExecutionException failure = assertThrows(ExecutionException.class, refused::get);
        assertTrue(failure.getCause() instanceof NotEnoughReplicasException);
    }

    @Test
    void syncPublishReportsKafkaFailuresAsPublishFailed() {
        producer.close();

        PublishFailedException e = assertThrows(PublishFailedException.class,
                () -> publisher.publish("lob-faber", Examples.valid("connection-accepted")));

        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void closeClosesTheProducer() {
        publisher.close();

        assertTrue(producer.closed());
    }

    @Test
    void createdProducerIsIdempotentWithAcksAllAndByteArraySerializers() {
        try (NotifyPublisher real = NotifyPublisher.builder()
                .bootstrapServers("localhost:9")
                .producerProperty(ProducerConfig.LINGER_MS_CONFIG, 20)
                .producerProperty(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName())
                .build()) {
            Map<String, Object> config = real.producerConfig();
            assertEquals("localhost:9", config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
            assertEquals(true, config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
            assertEquals("all", config.get(ProducerConfig.ACKS_CONFIG));
            assertEquals(20, config.get(ProducerConfig.LINGER_MS_CONFIG), "extra properties override defaults");
            assertEquals(ByteArraySerializer.class.getName(), config.get(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG));
            assertEquals(ByteArraySerializer.class.getName(), config.get(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG),
                    "the envelope is bytes whatever the caller sets");
            assertEquals("notify.events", real.topic());
            assertEquals("urn:notify-api", real.source());
        }
    }

    @Test
    void builderNeedsExactlyOneWayToReachKafka() {
        assertThrows(IllegalStateException.class, () -> NotifyPublisher.builder().build());
        assertThrows(IllegalStateException.class,
                () -> NotifyPublisher.builder().producer(mockProducer(true)).bootstrapServers("localhost:9092").build());
        assertThrows(IllegalArgumentException.class,
                () -> NotifyPublisher.builder().producer(mockProducer(true)).topic(" ").build());
    }
}
