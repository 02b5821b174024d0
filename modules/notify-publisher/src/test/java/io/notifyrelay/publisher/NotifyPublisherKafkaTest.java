package io.notifyrelay.publisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** The publisher against a real broker: what it writes is what a consumer reads. */
@RealKafka
class NotifyPublisherKafkaTest {

    private static final int PARTITIONS = 6;
    private static final String ISSUER_SIDE_CONTACT = "56d501ce-2bec-4433-89a1-93b7ee820987";

    private static String freshTopic(KafkaBackend kafka) {
        String topic = "notify.events.publisher-" + UUID.randomUUID();
        kafka.createTopic(topic, PARTITIONS);
        return topic;
    }

    private static NotifyPublisher publisher(KafkaBackend kafka, String topic) {
        return NotifyPublisher.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .producerProperties(kafka.clientProperties())
                .topic(topic)
                .build();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void recordReadsBackWithKeyHeadersAndTheNotificationUnchanged(KafkaBackend kafka) {
        String topic = freshTopic(kafka);
        byte[] notification = Examples.valid("issuance-stored-in-wallet");
        Instant before = Instant.now();

        PublishResult result;
        try (NotifyPublisher publisher = publisher(kafka, topic)) {
            result = publisher.publish("lob-faber", notification);
        }

        assertEquals(topic, result.topic());
        // the Java client's default partitioner (murmur2 of the key) places it: the relay may rely on this
        byte[] key = ISSUER_SIDE_CONTACT.getBytes(StandardCharsets.UTF_8);
        assertEquals(Utils.toPositive(Utils.murmur2(key)) % PARTITIONS, result.partition());

        ConsumerRecord<byte[], byte[]> record =
                ReadBack.records(kafka, topic, result.partition(), result.offset(), 1).get(0);
        assertEquals(result.offset(), record.offset());
        assertEquals(ISSUER_SIDE_CONTACT, utf8(record.key()));
        assertArrayEquals(notification, record.value());
        assertEquals(result.timestamp().toEpochMilli(), record.timestamp());
        assertTrue(!result.timestamp().isBefore(before.minusSeconds(1)), "timestamp is the publish time");

        List<String> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            headers.add(header.key() + "=" + utf8(header.value()));
        }
        assertEquals(List.of(
                "ce_specversion=1.0",
                "ce_id=" + result.eventId(),
                "ce_source=urn:notify-api",
                "ce_type=notify.issuance-response",
                "ce_time=" + result.timestamp(),
                "ce_lobid=lob-faber",
                "content-type=application/json",
                "ce_traceparent=" + result.traceparent()), headers);
    }

    @Test
    void notificationsOfOneContactStayInPublishOrder(KafkaBackend kafka) {
        String topic = freshTopic(kafka);
        List<String> examples = List.of("connection-received", "connection-accepted", "connection-declined");

        List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
        try (NotifyPublisher publisher = publisher(kafka, topic)) {
            for (String example : examples) {
                futures.add(publisher.publishAsync("lob-faber", Examples.valid(example)));
            }
            publisher.flush();
        }

        List<PublishResult> results = futures.stream().map(CompletableFuture::join).toList();
        PublishResult first = results.get(0);
        for (int i = 0; i < results.size(); i++) {
            assertEquals(first.partition(), results.get(i).partition());
            assertEquals(first.offset() + i, results.get(i).offset());
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                ReadBack.records(kafka, topic, first.partition(), first.offset(), examples.size());
        for (int i = 0; i < examples.size(); i++) {
            assertArrayEquals(Examples.valid(examples.get(i)), records.get(i).value());
            assertEquals(results.get(i).eventId(), utf8(records.get(i).headers().lastHeader("ce_id").value()));
        }
    }

    @Test
    void unreachableClusterFailsThePublishInsteadOfHanging() {
        try (NotifyPublisher publisher = NotifyPublisher.builder()
                .bootstrapServers("localhost:1")
                .producerProperty("max.block.ms", 1_000)
                .build()) {
            long started = System.nanoTime();
            assertThrows(PublishFailedException.class,
                    () -> publisher.publish("lob-faber", Examples.valid("connection-accepted")));
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 20);
        }
    }
}
