package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * 10,000 random and mutated records and 10,000 random and mutated client frames against one node: the
 * consumer never stops, every record is either relayed or dead-lettered (nothing unaccounted), and a
 * well-behaved session next to the bad ones gets every one of its events.
 */
@RealKafka
class FuzzIT {

    private static final int RECORDS = 10_000;
    private static final int FRAMES = 10_000;
    private static final String[] CONTENT_TYPES = {"application/json", "application/cloudevents+json", "text/plain",
            "application/json; charset=utf-8", "", "application/xml"};

    @Test
    void badRecordsAndBadFramesCostNobodyAnything(KafkaBackend kafka) throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("FuzzIT seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        Random random = new Random(seed);
        String topic = TestRelays.uniqueName("fuzz");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_MAX_FRAMES_PER_SECOND", "1000000"); // let the parser see every frame
        List<byte[]> examples = new ArrayList<>();
        TestRelays.validExamples().values().forEach(json -> examples.add(json.getBytes(StandardCharsets.UTF_8)));

        RelayNode relay = TestRelays.startReady(env);
        String canaryLob = TestRelays.uniqueName("canary");
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2_000_000);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
             WsTestClient canary = WsTestClient.connect(TestRelays.wsUri(relay))) {
            canary.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(canaryLob).sign() + "\"}");
            canary.awaitFrame("welcome");
            canary.send("{\"type\":\"subscribe\"}");
            canary.awaitFrame("subscribed");

            Set<String> canaryIds = new HashSet<>();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                if (i % 100 == 0) {
                    String contact = UUID.randomUUID().toString();
                    String id = "canary-" + i;
                    canaryIds.add(id);
                    sends.add(producer.send(binary(topic, contact, canaryLob, id,
                            Notifications.connection(contact, "accepted-invitation").getBytes(StandardCharsets.UTF_8),
                            "application/json")));
                } else {
                    sends.add(producer.send(randomRecord(random, topic, examples)));
                }
            }
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }

            // meanwhile, sessions that send garbage; each one that gets closed is replaced
            String fuzzToken = TestTokens.hs256(TestRelays.SECRET).lob("fuzz-lob").sign();
            WsTestClient bad = null;
            int closedBadSessions = 0;
            for (int i = 0; i < FRAMES; i++) {
                if (bad == null || bad.isClosed()) {
                    if (bad != null) {
                        closedBadSessions++;
                    }
                    bad = WsTestClient.connect(TestRelays.wsUri(relay));
                    bad.send("{\"type\":\"auth\",\"token\":\"" + fuzzToken + "\"}");
                }
                try {
                    bad.send(randomFrame(random));
                } catch (IllegalStateException closedMeanwhile) {
                    bad.close(); // the relay closed it (bad token, bad frame): the next loop opens another
                }
            }
            if (bad != null) {
                bad.close();
            }

            await("every record accounted for").atMost(Duration.ofSeconds(60)).until(() -> {
                JsonNode ready = Notifications.tree(TestRelays.get(relay, "/health/ready").body());
                return ready.path("eventsConsumed").asLong() + ready.path("recordsRejected").asLong() == RECORDS;
            });
            JsonNode ready = Notifications.tree(TestRelays.get(relay, "/health/ready").body());
            long rejected = ready.path("recordsRejected").asLong();
            await("every rejected record dead-lettered").atMost(Duration.ofSeconds(30))
                    .until(() -> recordsIn(kafka, topic + ".dlq") == rejected);
            await("the canary got all its events").atMost(Duration.ofSeconds(30))
                    .until(() -> canary.framesOfType("event").size() >= canaryIds.size());
            Set<String> got = new HashSet<>();
            canary.framesOfType("event").forEach(e -> got.add(e.path("id").asText()));
            System.out.printf("FuzzIT: %d records (%d relayed, %d dead-lettered), %d frames from bad sessions "
                            + "(%d of them closed), canary %d/%d%n", RECORDS, ready.path("eventsConsumed").asLong(),
                    rejected, FRAMES, closedBadSessions, got.size(), canaryIds.size());
            assertEquals(canaryIds, got);
            assertEquals(canaryIds.size(), canary.framesOfType("event").size(), "no duplicates");
            assertFalse(canary.isClosed());
            assertEquals("RUNNING", ready.path("consumer").asText());
        } finally {
            relay.close();
        }
    }

    private static long recordsIn(KafkaBackend kafka, String topic) throws Exception {
        TopicDescription description = kafka.admin().describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        Map<TopicPartition, OffsetSpec> query = new HashMap<>();
        description.partitions().forEach(p -> query.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        long total = 0;
        for (ListOffsetsResult.ListOffsetsResultInfo info : kafka.admin().listOffsets(query).all().get().values()) {
            total += info.offset();
        }
        return total;
    }

    private static ProducerRecord<byte[], byte[]> binary(String topic, String key, String lob, String id, byte[] value,
                                                         String contentType) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_id", id.getBytes(StandardCharsets.UTF_8));
        if (lob != null) {
            record.headers().add("ce_lobid", lob.getBytes(StandardCharsets.UTF_8));
        }
        if (contentType != null) {
            record.headers().add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    /** A valid example, a mutated one, random bytes, or a valid one with its envelope broken. */
    private static ProducerRecord<byte[], byte[]> randomRecord(Random random, String topic, List<byte[]> examples) {
        byte[] value = examples.get(random.nextInt(examples.size())).clone();
        String key = UUID.randomUUID().toString();
        String lob = "fuzz-lob-" + random.nextInt(5);
        String contentType = "application/json";
        switch (random.nextInt(10)) {
            case 0: // valid as is
                break;
            case 1: // flipped bytes
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    value[random.nextInt(value.length)] ^= (byte) (1 << random.nextInt(8));
                }
                break;
            case 2: // truncated
                value = java.util.Arrays.copyOf(value, random.nextInt(value.length));
                break;
            case 3: // random bytes
                value = new byte[random.nextInt(600)];
                random.nextBytes(value);
                break;
            case 4:
                key = random.nextBoolean() ? null : "";
                break;
            case 5:
                lob = null;
                break;
            case 6:
                contentType = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
                break;
            case 7: // structured mode, sometimes broken
                String structured = "{\"specversion\":\"1.0\",\"id\":\"s-" + random.nextLong() + "\",\"source\":\"urn:fuzz\","
                        + "\"type\":\"notify.x\",\"lobid\":\"" + lob + "\",\"data\":"
                        + new String(value, StandardCharsets.UTF_8) + "}";
                value = structured.getBytes(StandardCharsets.UTF_8);
                if (random.nextBoolean()) {
                    value[random.nextInt(value.length)] = (byte) random.nextInt(256);
                }
                return binaryOrStructured(topic, key, value);
            case 8: // oversized, now and then
                if (random.nextInt(20) == 0) {
                    value = new byte[300_000];
                    java.util.Arrays.fill(value, (byte) ' ');
                    value[0] = '{';
                    value[value.length - 1] = '}';
                }
                break;
            default: // a string where an object belongs
                value = ("\"" + new String(value, StandardCharsets.UTF_8).replace("\"", "'") + "\"").getBytes(StandardCharsets.UTF_8);
                break;
        }
        return binary(topic, key, lob, UUID.randomUUID().toString(), value, contentType);
    }

    private static ProducerRecord<byte[], byte[]> binaryOrStructured(String topic, String key, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static final String[] FRAME_TEMPLATES = {
        "{\"type\":\"ping\"}", "{\"type\":\"subscribe\"}", "{\"type\":\"subscribe\",\"contacts\":[\"c1\",\"c2\"]}",
        "{\"type\":\"unsubscribe\",\"contacts\":[\"c1\"]}", "{\"type\":\"subscribe\",\"cursors\":[\"YzE6eDox\"]}",
        "{\"type\":\"subscribe\",\"since\":\"yesterday\"}", "{\"type\":\"auth\",\"token\":\"x.y.z\"}",
        "{\"type\":\"nope\"}", "[]", "null", "{\"type\":42}", "{\"type\":\"subscribe\",\"contacts\":[1,2]}"
    };

    private static String randomFrame(Random random) {
        String frame = FRAME_TEMPLATES[random.nextInt(FRAME_TEMPLATES.length)];
        switch (random.nextInt(4)) {
            case 0:
                return frame;
            case 1: {
                char[] chars = frame.toCharArray();
                chars[random.nextInt(chars.length)] = (char) (32 + random.nextInt(95));
                return new String(chars);
            }
            case 2:
                return frame.substring(0, random.nextInt(frame.length()));
            default: {
                StringBuilder garbage = new StringBuilder();
                for (int n = random.nextInt(200); n > 0; n--) {
                    garbage.append((char) (32 + random.nextInt(95)));
                }
                return garbage.toString();
            }
        }
    }
}
