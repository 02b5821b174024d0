package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.websocket.CloseCodes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits, strict validation, the dead-letter topic and the metrics SREs watch, on one node. */
@RealKafka
class HardeningIT {

    private static final String ALLOWED_ORIGIN = "https://lob.example.com";
    private static RelayNode relay;
    private static NotifyPublisher publisher;
    private static KafkaBackend kafka;
    private static String topic;

    @BeforeAll
    static void start(KafkaBackend backend) {
        kafka = backend;
        topic = TestRelays.uniqueName("hard");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_VALIDATION", "strict");
        env.put("RELAY_MAX_SESSIONS_PER_LOB", "3");
        env.put("RELAY_MAX_FRAMES_PER_SECOND", "20");
        env.put("RELAY_MAX_FRAME_BYTES", "4096");
        env.put("RELAY_ALLOWED_ORIGINS", ALLOWED_ORIGIN);
        relay = TestRelays.startReady(env);
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private static WsTestClient session(String lob) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        client.awaitFrame("welcome");
        client.send("{\"type\":\"subscribe\"}");
        client.awaitFrame("subscribed");
        return client;
    }

    @Test
    void aRecordThatFailsTheSchemaIsDeadLetteredWithWhereAndWhy() throws Exception {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        // routable (known payloadType, object payload) but not a valid notification: no state
        String invalid = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact + "\"}}";
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        long offset;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
             WsTestClient client = session(lob)) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, contact.getBytes(StandardCharsets.UTF_8),
                    invalid.getBytes(StandardCharsets.UTF_8));
            record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
            record.headers().add("ce_id", "bad-1".getBytes(StandardCharsets.UTF_8));
            record.headers().add("ce_lobid", lob.getBytes(StandardCharsets.UTF_8));
            record.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
            offset = producer.send(record).get().offset();
            PublishResult good = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            client.awaitFrame(f -> good.eventId().equals(f.path("id").asText()));
            assertEquals(1, client.framesOfType("event").size(), "the invalid one is not relayed");
        }
        ConsumerRecord<byte[], byte[]> dead = readOne(topic + ".dlq", "bad-1");
        assertEquals(invalid, new String(dead.value(), StandardCharsets.UTF_8), "value copied byte for byte");
        assertEquals(topic, header(dead, "dlq_original_topic"));
        assertEquals(String.valueOf(offset), header(dead, "dlq_original_offset"));
        assertEquals("SCHEMA_VIOLATION", header(dead, "dlq_reason"));
        assertFalse(header(dead, "dlq_detail").isBlank());
        assertEquals(lob, header(dead, "ce_lobid"), "original headers kept");
    }

    private static ConsumerRecord<byte[], byte[]> readOne(String deadLetterTopic, String eventId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, TestRelays.uniqueName("dlq-reader"));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(deadLetterTopic));
            List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (eventId.equals(header(r, "ce_id"))) {
                        found.add(r);
                    }
                });
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aHandshakeFromAnOriginNotOnTheAllowListIsRefused() {
        var refused = assertThrows(RuntimeException.class,
                () -> WsTestClient.connect(TestRelays.wsUri(relay), Map.of("Origin", "https://evil.example.com")));
        assertTrue(String.valueOf(refused.getMessage()).contains("403") || refused.toString().contains("403"), refused.toString());
        try (WsTestClient allowed = WsTestClient.connect(TestRelays.wsUri(relay), Map.of("Origin", ALLOWED_ORIGIN))) {
            allowed.send("{\"type\":\"ping\"}");
            allowed.awaitFrame("pong");
        }
    }

    @Test
    void browsersOnAnAllowedOriginMayReadTheRoutes() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String origin : List.of(ALLOWED_ORIGIN, "https://evil.example.com")) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(relay.httpUrl() + "/v1/routes"))
                    .header("Origin", origin).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(origin.equals(ALLOWED_ORIGIN) ? java.util.Optional.of(origin) : java.util.Optional.empty(),
                    response.headers().firstValue("Access-Control-Allow-Origin"));
        }
    }

    /** {@code /v1/presence} needs a bearer token, so a browser asks first (preflight); only allowed origins may. */
    @Test
    void browsersOnAnAllowedOriginMayAskForPresence() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String lob = TestRelays.uniqueName("lob");
        java.net.URI presence = java.net.URI.create(relay.httpUrl() + "/v1/presence?lobId=" + lob);
        for (String origin : List.of(ALLOWED_ORIGIN, "https://evil.example.com")) {
            var preflight = http.send(java.net.http.HttpRequest.newBuilder(presence)
                    .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                    .header("Access-Control-Request-Method", "GET")
                    .header("Access-Control-Request-Headers", "authorization").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(204, preflight.statusCode(), origin);
            boolean allowed = origin.equals(ALLOWED_ORIGIN);
            assertEquals(allowed ? java.util.Optional.of(origin) : java.util.Optional.empty(),
                    preflight.headers().firstValue("Access-Control-Allow-Origin"), origin);
            assertEquals(allowed ? java.util.Optional.of("Authorization") : java.util.Optional.empty(),
                    preflight.headers().firstValue("Access-Control-Allow-Headers"), origin);
            assertEquals(allowed ? java.util.Optional.of("GET") : java.util.Optional.empty(),
                    preflight.headers().firstValue("Access-Control-Allow-Methods"), origin);

            var answer = http.send(java.net.http.HttpRequest.newBuilder(presence).header("Origin", origin)
                    .header("Authorization", "Bearer " + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"lobId\":\"" + lob + "\""), answer.body());
            assertEquals(allowed ? java.util.Optional.of(origin) : java.util.Optional.empty(),
                    answer.headers().firstValue("Access-Control-Allow-Origin"), origin);
        }
    }

    @Test
    void aLobCannotHoldMoreSessionsThanItsLimit() {
        String lob = TestRelays.uniqueName("lob");
        try (WsTestClient a = session(lob); WsTestClient b = session(lob); WsTestClient c = session(lob);
             WsTestClient fourth = WsTestClient.connect(TestRelays.wsUri(relay));
             WsTestClient otherLob = session(TestRelays.uniqueName("other"))) {
            fourth.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            assertEquals(CloseCodes.TRY_AGAIN_LATER, fourth.awaitClose());
            for (WsTestClient client : List.of(a, b, c, otherLob)) {
                client.send("{\"type\":\"ping\"}");
                client.awaitFrame("pong");
            }
        }
    }

    @Test
    void aFloodOfFramesClosesThatSessionOnly() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        try (WsTestClient flooder = session(lob); WsTestClient bystander = session(TestRelays.uniqueName("lob"))) {
            try {
                for (int i = 0; i < 100; i++) {
                    flooder.send("{\"type\":\"ping\"}");
                }
            } catch (IllegalStateException closedByTheRelay) {
                // the relay may close the flooder before all 100 went out: that is the point
            }
            assertEquals(CloseCodes.POLICY_VIOLATION, flooder.awaitClose());
            bystander.send("{\"type\":\"ping\"}");
            bystander.awaitFrame("pong");
            assertFalse(bystander.isClosed());
        }
    }

    @Test
    void aFrameOverTheSizeLimitCloses1009() {
        try (WsTestClient client = session(TestRelays.uniqueName("lob"))) {
            client.send("{\"type\":\"subscribe\",\"contacts\":[\"" + "c".repeat(10_000) + "\"]}");
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.awaitClose());
        }
    }

    @Test
    void prometheusSeesEveryFigureSresNeed() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        try (WsTestClient client = session(lob)) {
            PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            client.awaitFrame(f -> sent.eventId().equals(f.path("id").asText()));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                String metrics = TestRelays.get(relay, "/metrics").body();
                for (String name : List.of("relay_sessions ", "relay_subscriptions{kind=\"lob\"}",
                        "relay_events_consumed_total", "relay_events_delivered_total", "relay_events_unrouted_total",
                        "relay_records_rejected_total{reason=\"SCHEMA_VIOLATION\"}", "relay_delivery_latency_seconds_bucket",
                        "relay_rebalances_total", "kafka_consumer_fetch_manager_records_lag", "jvm_memory_used_bytes",
                        "relay_dead_lettered_total")) {
                    assertTrue(metrics.contains(name), "missing " + name);
                }
            });
        }
        JsonNode ready = Notifications.tree(TestRelays.get(relay, "/health/ready").body());
        assertEquals("RUNNING", ready.path("consumer").asText());
    }
}
