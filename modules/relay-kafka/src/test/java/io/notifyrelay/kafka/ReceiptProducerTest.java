package io.notifyrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.notifyrelay.core.receipt.Receipt;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ReceiptProducerTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static Receipt receipt(String eventId, ReceiptOutcome outcome) {
        return new Receipt(eventId, "lob", "contact-1", outcome, 1, "node-a", 2, 7, 1_700_000_000_000L);
    }

    private double count(String name, String tag, String value) {
        return meters.get(name).tag(tag, value).counter().count();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aReceiptIsABinaryModeCloudEventKeyedByTheNotificationsKey() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (ReceiptProducer receipts = new ReceiptProducer("t.receipts", "node-a", kafka, 10, meters)) {
            for (ReceiptOutcome outcome : ReceiptOutcome.values()) {
                assertEquals(0, count("relay.receipts", "outcome", outcome.wireName()), "registered at zero");
            }
            receipts.offer(receipt("e1", ReceiptOutcome.DELIVERED));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kafka.history().size() == 1);
        }
        ProducerRecord<byte[], byte[]> record = kafka.history().get(0);
        assertEquals("t.receipts", record.topic());
        assertEquals("contact-1", new String(record.key(), StandardCharsets.UTF_8));
        assertEquals("1.0", header(record, "ce_specversion"));
        assertEquals("notify.relay.receipt", header(record, "ce_type"));
        assertEquals("urn:notify-relay:node-a", header(record, "ce_source"));
        assertEquals("2023-11-14T22:13:20Z", header(record, "ce_time"));
        assertEquals("application/json", header(record, "content-type"));
        assertTrue(header(record, "ce_id").endsWith("-1"), "a per-start prefix and a sequence");
        assertEquals("delivered", new ObjectMapper().readTree(record.value()).path("outcome").asText());
        assertEquals(1, count("relay.receipts", "outcome", "delivered"));
    }

    @Test
    void everyReceiptOfABurstGetsItsOwnIdTimeAndValue() throws Exception {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        int burst = 1_200; // more than one drain of the queue
        try (ReceiptProducer receipts = new ReceiptProducer("t.receipts", "node-a", kafka, 2_000, meters)) {
            for (int i = 0; i < burst; i++) {
                receipts.offer(new Receipt("e" + i, "lob", "c" + i, ReceiptOutcome.DELIVERED, 1, "node-a", 0, i,
                        1_700_000_000_000L + i / 7));
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kafka.history().size() == burst);
        }
        ObjectMapper json = new ObjectMapper();
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < burst; i++) {
            ProducerRecord<byte[], byte[]> record = kafka.history().get(i);
            String at = java.time.Instant.ofEpochMilli(1_700_000_000_000L + i / 7).toString();
            assertEquals(at, header(record, "ce_time"));
            assertEquals(at, json.readTree(record.value()).path("at").asText());
            assertEquals("e" + i, json.readTree(record.value()).path("eventId").asText());
            assertEquals("c" + i, new String(record.key(), StandardCharsets.UTF_8));
            assertEquals("urn:notify-relay:node-a", header(record, "ce_source"));
            assertTrue(ids.add(header(record, "ce_id")), "unique ce_id");
            assertTrue(header(record, "ce_id").endsWith("-" + (i + 1)));
        }
        assertEquals(burst, count("relay.receipts", "outcome", "delivered"));
    }

    /** A producer whose send blocks, as KafkaProducer's does while its buffer is full (up to max.block.ms). */
    private static final class BlockedProducer extends MockProducer<byte[], byte[]> {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();

        BlockedProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                ProducerRecord<byte[], byte[]> record, org.apache.kafka.clients.producer.Callback callback) {
            entered.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.send(record, callback);
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfWaiting() {
        BlockedProducer kafka = new BlockedProducer();
        ReceiptProducer receipts = new ReceiptProducer("t.receipts", "node-a", kafka, 1, meters);
        try {
            receipts.offer(receipt("in-flight", ReceiptOutcome.DELIVERED));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kafka.entered.get() == 1);
            receipts.offer(receipt("queued", ReceiptOutcome.DELIVERED)); // the queue's one slot
            long started = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                receipts.offer(receipt("e" + i, ReceiptOutcome.EXPIRED));
            }
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "offer never waits");
            assertEquals(100, count("relay.receipts.lost", "reason", "overflow"));
        } finally {
            kafka.release.countDown();
            receipts.close(Duration.ofSeconds(5));
        }
        assertEquals(2, kafka.history().size(), "what was in flight and queued still went out");
    }

    @Test
    void aSendKafkaRefusesIsCountedAndDeliveryGoesOn() {
        MockProducer<byte[], byte[]> kafka = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (ReceiptProducer receipts = new ReceiptProducer("t.receipts", "node-a", kafka, 10, meters)) {
            receipts.offer(receipt("e1", ReceiptOutcome.UNDELIVERED));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> kafka.history().size() == 1);
            kafka.errorNext(new RuntimeException("not authorized"));
            assertEquals(1, count("relay.receipts.lost", "reason", "send_failed"));
            assertEquals(0, count("relay.receipts", "outcome", "undelivered"));
        }
    }
}
