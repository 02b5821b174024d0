package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad records and bad clients cost nobody else anything. */
@RealKafka
class RobustnessIT {

    private static final int SESSION_BUFFER_LIMIT = 64 * 1024;
    private static RelayNode relay;
    private static NotifyPublisher publisher;
    private static KafkaProducer<byte[], byte[]> rawProducer;
    private static String topic;

    @BeforeAll
    static void start(KafkaBackend kafka) {
        topic = TestRelays.uniqueName("robust");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_SESSION_MAX_BUFFER_BYTES", String.valueOf(SESSION_BUFFER_LIMIT));
        relay = TestRelays.startReady(env);
        publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers()).topic(topic).build();
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        rawProducer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        if (rawProducer != null) {
            rawProducer.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private static WsTestClient lobSession(String lob) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        client.awaitFrame("welcome");
        client.send("{\"type\":\"subscribe\"}");
        client.awaitFrame("subscribed");
        return client;
    }

    private static void sendRaw(String contact, String lob, String contentType, byte[] value) throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                contact == null ? null : contact.getBytes(StandardCharsets.UTF_8), value);
        record.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        record.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        if (lob != null) {
            record.headers().add("ce_lobid", lob.getBytes(StandardCharsets.UTF_8));
        }
        record.headers().add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        rawProducer.send(record).get();
    }

    @Test
    void malformedRecordsAreSkippedAndLaterEventsStillArrive() throws Exception {
        String lob = TestRelays.uniqueName("lob");
        List<String> contacts = TestRelays.contactsOnOnePartition(2);
        String contact = contacts.get(0);
        long rejectedBefore = Notifications.tree(TestRelays.get(relay, "/health/ready").body())
                .path("recordsRejected").asLong();
        try (WsTestClient client = lobSession(lob)) {
            sendRaw(contact, lob, "application/json", "{not json".getBytes(StandardCharsets.UTF_8));
            sendRaw(contact, lob, "application/json", "{\"payloadType\":\"NOPE\",\"payload\":{}}".getBytes(StandardCharsets.UTF_8));
            sendRaw(contact, null, "application/json", Notifications.connection(contact, "accepted-invitation")
                    .getBytes(StandardCharsets.UTF_8));
            sendRaw(contact, lob, "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
            sendRaw(contact, lob, "application/json", new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
            PublishResult good = publisher.publish(lob, contacts.get(1),
                    Notifications.connection(contacts.get(1), "accepted-invitation"));
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    client.framesOfType("event").stream().anyMatch(e -> e.path("id").asText().equals(good.eventId())));
            assertEquals(1, client.framesOfType("event").size(), "only the good record is relayed");
            long rejectedAfter = Notifications.tree(TestRelays.get(relay, "/health/ready").body())
                    .path("recordsRejected").asLong();
            assertEquals(5, rejectedAfter - rejectedBefore);
        }
    }

    /**
     * A client that stops reading fills its socket buffers, then its outbound queue, and is closed as
     * too slow, while a healthy session of the same LOB keeps receiving every event. Events go out in
     * small batches the healthy client keeps up with, so only the stalled one can pass the limit.
     */
    @Test
    void aSessionThatNeverReadsIsClosedAndDoesNotDelayTheOthers() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        String notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"" + "x".repeat(1500) + "\"}}";
        int batch = 10;
        int maxEvents = 20_000; // ~30 MB: far beyond any loopback socket buffer plus the 64 KB limit
        try (WsTestClient stalled = WsTestClient.connectStalled(TestRelays.wsUri(relay), 3);
             WsTestClient healthy = lobSession(lob)) {
            stalled.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            stalled.send("{\"type\":\"subscribe\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> stalled.framesOfType("subscribed").size() == 1);
            assertEquals(2, sessionCount());
            int sent = 0;
            while (sessionCount() == 2 && sent < maxEvents) {
                List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    futures.add(publisher.publishAsync(lob, contact, notification));
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
                sent += batch;
                int expected = sent;
                await().atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> assertEquals(expected, healthy.framesOfType("event").size()));
            }
            assertEquals(1, sessionCount(), "the stalled session was closed after " + sent + " events");
            assertTrue(stalled.framesOfType("event").size() < sent);
            assertTrue(!healthy.isClosed(), "the healthy session is still open");
        }
    }

    private static int sessionCount() {
        return Notifications.tree(TestRelays.get(relay, "/health/ready").body()).path("sessions").asInt();
    }

    /** A session closed as too slow (4429) comes back with its last cursor and loses nothing. */
    @Test
    void aSessionClosedAsTooSlowResumesAndLosesNothing() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        String notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"" + "y".repeat(1500) + "\"}}";
        List<String> sent = new ArrayList<>();
        List<JsonNode> seen;
        String slowSessionId;
        double tooSlowBefore = tooSlowCloses();
        // what a client sends back for the partitions it has no cursor for: when it started being served
        java.time.Instant servedSince = java.time.Instant.now();
        try (WsTestClient slow = WsTestClient.connectStalled(TestRelays.wsUri(relay), 2)) {
            slow.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            slow.send("{\"type\":\"subscribe\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> slow.framesOfType("subscribed").size() == 1);
            slowSessionId = slow.framesOfType("welcome").get(0).path("sessionId").asText();
            // until the relay closed this session as too slow: its own counter, not the node's session count, which a
            // session of an earlier test still closing would hold up (then the loop ran to 20,000 events and the
            // resume below replayed all of them)
            while (tooSlowCloses() == tooSlowBefore && sent.size() < 20_000) {
                List<CompletableFuture<PublishResult>> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(publisher.publishAsync(lob, contact, notification));
                }
                batch.forEach(f -> sent.add(f.join().eventId()));
            }
            int code = slow.awaitClose();
            // the close frame queues behind the frames the client did not read; if the relay drops the
            // connection first (after its close grace) the client sees 1006, so ask the relay why it closed
            assertTrue(code == 4429 || code == 1006, "closed by the relay, got " + code);
            assertTrue(tooSlowCloses() > tooSlowBefore, "the relay closed it as too slow");
            seen = slow.framesOfType("event");
        }
        assertTrue(seen.size() < sent.size(), "the slow session missed some events");
        String cursor = seen.get(seen.size() - 1).path("cursor").asText();
        try (WsTestClient back = lobSession(lob, cursor, servedSince, slowSessionId)) {
            // whatever the slow client saw (4429 or 1006), coming back it is told why the relay closed it
            JsonNode previousClose = back.framesOfType("welcome").get(0).path("previousClose");
            assertEquals(4429, previousClose.path("code").asInt(), previousClose.toString());
            assertTrue(previousClose.path("reason").asText().contains("too slow"), previousClose.toString());
            List<String> all = new ArrayList<>();
            seen.forEach(e -> all.add(e.path("id").asText()));
            await().atMost(Duration.ofSeconds(30)).until(() -> all.size() + back.framesOfType("event").size() >= sent.size());
            back.framesOfType("event").forEach(e -> all.add(e.path("id").asText()));
            assertEquals(sent, all, "everything exactly once, in order");
        }
    }

    /**
     * A stalled socket.io client closed as too slow may never read that close (it queues behind the data it did not
     * read); when it comes back with its pid, RECOVERY tells it why.
     */
    @Test
    void aSocketIoClientClosedAsTooSlowIsToldWhyWhenItComesBack() {
        String lob = TestRelays.uniqueName("lob");
        String contact = UUID.randomUUID().toString();
        String notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"" + "y".repeat(1500) + "\"}}";
        URI socketIo = URI.create("ws://127.0.0.1:" + relay.httpPort() + "/socket.io/?EIO=4&transport=websocket");
        String pid;
        double tooSlowBefore = tooSlowCloses();
        // reads the open packet, the CONNECT reply, the registration (and a ping, if one comes), then stops reading
        try (WsTestClient slow = WsTestClient.connectStalled(socketIo, 4)) {
            slow.awaitFrame(f -> f.asText().startsWith("0{"));
            slow.send("40{\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
            JsonNode connected = slow.awaitFrame(f -> f.asText().startsWith("40{"));
            pid = Notifications.tree(connected.asText().substring(2)).path("pid").asText();
            assertTrue(!pid.isEmpty(), connected.asText());
            slow.send("42[\"REGISTER_SOCKET\",{\"lob_id\":\"" + lob + "\"}]");
            int sent = 0;
            while (!slow.isClosed() && tooSlowCloses() == tooSlowBefore && sent < 20_000) {
                List<CompletableFuture<PublishResult>> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    batch.add(publisher.publishAsync(lob, contact, notification));
                }
                batch.forEach(CompletableFuture::join);
                sent += batch.size();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> tooSlowCloses() > tooSlowBefore);
        }
        try (WsTestClient back = WsTestClient.connect(socketIo)) {
            back.awaitFrame(f -> f.asText().startsWith("0{"));
            back.send("40{\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\",\"pid\":\"" + pid
                    + "\"}");
            JsonNode recovery = Notifications.tree(back.awaitFrame(f -> f.asText().startsWith("42[\"RECOVERY\""))
                    .asText().substring(2)).get(1);
            assertEquals("no_offset", recovery.path("reason").asText(), recovery.toString());
            assertEquals(4429, recovery.path("previousClose").path("code").asInt(), recovery.toString());
            assertTrue(recovery.path("previousClose").path("reason").asText().contains("too slow"), recovery.toString());
        }
    }

    private static double tooSlowCloses() {
        for (String line : TestRelays.get(relay, "/metrics").body().split("\n")) {
            if (line.startsWith("relay_sessions_closed_total{code=\"4429\"}")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static WsTestClient lobSession(String lob, String cursor, java.time.Instant since, String previousSession) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign()
                + "\",\"previousSession\":\"" + previousSession + "\"}");
        client.awaitFrame("welcome");
        client.send("{\"type\":\"subscribe\",\"cursors\":[\"" + cursor + "\"],\"since\":\"" + since + "\"}");
        // subscribed follows the replay of what the client missed
        JsonNode subscribed = client.awaitFrame("subscribed", WsTestClient.hasType("subscribed"), Duration.ofSeconds(30));
        assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
        return client;
    }
}
