package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.core.Cursor;
import io.notifyrelay.it.attack.AttackCanary;
import io.notifyrelay.it.attack.RawWebSocket;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11's session attacks (findings 3, 4, 5 and 9) against one real node with the shipped defaults, over real
 * sockets, with a canary session of another LOB measuring its delivery latency during each attack. Each test
 * prints what the node did and the canary's latency ({@code [attack]} and {@code [attack-canary]} lines).
 */
@RealKafka
class SessionAttackIT {

    private static final Duration QUIET = Duration.ofSeconds(2);
    private static RelayNode relay;
    private static NotifyPublisher publisher;
    private static KafkaBackend kafka;
    private static String topic;

    @BeforeAll
    static void start(KafkaBackend backend) {
        kafka = backend;
        topic = TestRelays.uniqueName("session-attack");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        relay = TestRelays.startReady(TestRelays.env(kafka, topic, TestRelays.uniqueName("group")));
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

    private static AttackCanary canary() {
        return AttackCanary.connect(TestRelays.wsUri(relay), TestRelays.SECRET, kafka.bootstrapServers(), topic);
    }

    private static void report(String finding, String nodeDid) {
        System.out.println("[attack] " + finding + ": " + nodeDid);
    }

    private static String token(String lob) {
        return TestTokens.hs256(TestRelays.SECRET).lob(lob).sign();
    }

    private static String auth(String token) {
        return "{\"type\":\"auth\",\"token\":\"" + token + "\"}";
    }

    private static RawWebSocket session(String lob) throws IOException {
        RawWebSocket ws = RawWebSocket.connect(TestRelays.wsUri(relay));
        ws.send(auth(token(lob)));
        ws.await("welcome");
        return ws;
    }

    private static List<PublishResult> publish(String lob, String contact, int count) {
        List<CompletableFuture<PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(publisher.publishAsync(lob, contact, Notifications.connection(contact, "accepted-invitation")));
        }
        return sent.stream().map(CompletableFuture::join).collect(Collectors.toList());
    }

    private static String quoted(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    private static boolean isEvent(JsonNode frame, String eventId) {
        return "event".equals(frame.path("type").asText()) && eventId.equals(frame.path("id").asText());
    }

    /** Finding 3: contact ids of 60 KB and subscriptions without a byte bound ran a node out of heap in 45 s. */
    @Test
    void longContactIdsAndLargeSubscriptionsAreRefusedAndTheSessionGoesOn() throws Exception {
        String lob = TestRelays.uniqueName("heap");
        int sessions = 30;
        // 30 sessions of one LOB as in the finding; 4 ids of 60 KB each (a frame holds one) is enough to show the
        // refusal: the finding's 1,000 per session would only take longer to send on a 2-core machine
        int framesEach = 4;
        try (AttackCanary canary = canary()) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            int[] refused = new int[2];
            AttackCanary.Latencies attack = canary.during("finding 3", () -> {
                List<RawWebSocket> attackers = new ArrayList<>();
                try {
                    for (int s = 0; s < sessions; s++) {
                        RawWebSocket ws = session(lob);
                        attackers.add(ws);
                        String[] frames = new String[framesEach];
                        for (int f = 0; f < framesEach; f++) {
                            // one 60 KB id per frame: each frame is within RELAY_MAX_FRAME_BYTES (64 KiB)
                            frames[f] = "{\"type\":\"subscribe\",\"contacts\":[\"" + s + "-" + f + "-"
                                    + "x".repeat(60_000) + "\"]}";
                        }
                        ws.sendAtOnce(frames);
                    }
                    for (RawWebSocket ws : attackers) {
                        for (int f = 0; f < framesEach; f++) {
                            JsonNode error = ws.await("error", frame -> "error".equals(frame.path("type").asText()),
                                    Duration.ofSeconds(20));
                            assertEquals("bad_frame", error.path("code").asText(), error.toString());
                            refused[0]++;
                        }
                    }
                    // 256-byte ids (the longest allowed): 200 fit, 400 are past 64 KiB of subscription
                    RawWebSocket bytes = attackers.get(0);
                    List<String> first = new ArrayList<>();
                    List<String> second = new ArrayList<>();
                    for (int i = 0; i < 200; i++) {
                        first.add(String.format("a%03d", i) + "y".repeat(252));
                        second.add(String.format("b%03d", i) + "y".repeat(252));
                    }
                    bytes.send("{\"type\":\"subscribe\",\"contacts\":" + quoted(first) + "}");
                    bytes.await("subscribed");
                    bytes.send("{\"type\":\"subscribe\",\"contacts\":" + quoted(second) + "}");
                    JsonNode tooMuch = bytes.await("error");
                    assertEquals("too_many_subscriptions", tooMuch.path("code").asText(), tooMuch.toString());
                    refused[1]++;
                    // every attacking session is still open and works: a real contact gets its event
                    String contact = UUID.randomUUID().toString();
                    for (RawWebSocket ws : attackers) {
                        ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
                        ws.await("subscribed");
                    }
                    String eventId = publish(lob, contact, 1).get(0).eventId();
                    for (RawWebSocket ws : attackers) {
                        ws.await("the event after the attack", frame -> isEvent(frame, eventId), Duration.ofSeconds(20));
                    }
                } finally {
                    attackers.forEach(RawWebSocket::close);
                }
            });
            canary.assertKeptUp(quiet, attack);
            report("finding 3 (60 KB contact ids)", refused[0] + " subscribes of a 60 KB id from " + sessions
                    + " sessions answered error bad_frame, " + refused[1] + " subscribe past 64 KiB of ids answered"
                    + " too_many_subscriptions; every session stayed open and got the next event; canary " + attack);
        }
    }

    /** Finding 3, tokens: a token's claims are held for the session's life, so they are bounded too. */
    @Test
    void tokensWithIdsOverTheBoundsAreRefusedOnBothTransports() throws Exception {
        String lob = TestRelays.uniqueName("claims");
        String longContact = "z".repeat(257);
        String bigToken = TestTokens.hs256(TestRelays.SECRET).lob(lob).contacts(List.of(longContact)).sign();
        try (RawWebSocket ws = RawWebSocket.connect(TestRelays.wsUri(relay))) {
            ws.send(auth(bigToken));
            assertEquals(4401, ws.awaitClose(Duration.ofSeconds(10)));
        }
        URI socketIo = URI.create(relay.httpUrl().replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket");
        try (io.notifyrelay.testkit.WsTestClient sio = io.notifyrelay.testkit.WsTestClient.connect(socketIo)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> sio.rawFrames().stream().anyMatch(f -> f.startsWith("0")));
            sio.send("40{\"token\":\"" + bigToken + "\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> sio.rawFrames().stream().anyMatch(f -> f.startsWith("44")));
            String refusal = sio.rawFrames().stream().filter(f -> f.startsWith("44")).findFirst().orElseThrow();
            assertTrue(refusal.contains("longer than 256 bytes"), refusal);
            // and a token within the bounds connects (the refusal was about the claim, not the transport)
            io.notifyrelay.testkit.WsTestClient good = io.notifyrelay.testkit.WsTestClient.connect(socketIo);
            try (good) {
                good.send("40{\"token\":\"" + token(lob) + "\"}");
                await().atMost(Duration.ofSeconds(10)).until(() -> good.rawFrames().stream()
                        .anyMatch(f -> f.startsWith("40{")));
            }
            report("finding 3 (token claims)", "a contacts claim with a 257-byte id: /v1/ws closed 4401, socket.io"
                    + " answered " + refusal);
        }
    }

    /** Finding 4: a cursor at Long.MAX_VALUE overflowed the range check and replayed past the limit. */
    @Test
    void cursorsPastThePartitionsEndAreRefusedWithAReason() throws Exception {
        String lob = TestRelays.uniqueName("cursor");
        String contact = UUID.randomUUID().toString();
        List<PublishResult> history = publish(lob, contact, 300);
        PublishResult last = history.get(history.size() - 1);
        String epoch = topicEpoch(lob, contact);
        try (AttackCanary canary = canary()) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            List<String> outcomes = new ArrayList<>();
            AttackCanary.Latencies attack = canary.during("finding 4", () -> {
                for (long offset : new long[] {Long.MAX_VALUE, last.offset() + 1_000_000_000L}) {
                    try (RawWebSocket ws = session(lob)) {
                        String cursor = new Cursor(epoch, last.partition(), offset).encode();
                        ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"],\"cursors\":[\"" + cursor
                                + "\"]}");
                        JsonNode subscribed = ws.await("subscribed");
                        assertFalse(subscribed.path("recovered").asBoolean(true), subscribed.toString());
                        assertEquals("cursor_out_of_range", subscribed.path("reason").asText(), subscribed.toString());
                        // nothing was replayed: the first event after subscribed is the live marker
                        String markerId = publish(lob, contact, 1).get(0).eventId();
                        ws.await("live marker", frame -> isEvent(frame, markerId), Duration.ofSeconds(20));
                        long replayed = ws.seen().stream().filter(f -> "event".equals(f.path("type").asText())).count() - 1;
                        assertEquals(0, replayed, "events replayed for a cursor past the end: " + ws.seen().size());
                        outcomes.add("offset " + offset + " -> recovered false, " + subscribed.path("reason").asText()
                                + ", " + replayed + " replayed");
                    }
                }
            });
            canary.assertKeptUp(quiet, attack);
            // an honest cursor still resumes: what came after it, from the window
            try (RawWebSocket ws = session(lob)) {
                String cursor = new Cursor(epoch, last.partition(), history.get(99).offset()).encode();
                ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"],\"cursors\":[\"" + cursor + "\"]}");
                JsonNode subscribed = ws.await("subscribed");
                assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
                long replayed = ws.seen().stream().filter(f -> "event".equals(f.path("type").asText())).count();
                assertTrue(replayed >= 200, "an honest resume replays what was missed: " + replayed);
                outcomes.add("an honest cursor -> recovered true, " + replayed + " replayed");
            }
            report("finding 4 (cursor range)", String.join("; ", outcomes) + "; canary " + attack);
        }
    }

    /** Finding 9: subscribe {since} and a narrowing auth in one TCP write left the session LOB-wide. */
    @Test
    void aNarrowingRefreshDuringAResumeIsCheckedAgainstWhatTheSessionIsBecoming() throws Exception {
        String lob = TestRelays.uniqueName("narrow");
        String mine = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        Instant since = Instant.now().minusSeconds(1);
        List<String> mineIds = publish(lob, mine, 5).stream().map(PublishResult::eventId).collect(Collectors.toList());
        publish(lob, other, 5);
        String narrowed = TestTokens.hs256(TestRelays.SECRET).lob(lob).contacts(List.of(mine)).sign();
        try (AttackCanary canary = canary()) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            AtomicReference<String> did = new AtomicReference<>();
            AttackCanary.Latencies attack = canary.during("finding 9", () -> {
                int closes = 0;
                for (int round = 0; round < 20; round++) {
                    try (RawWebSocket ws = session(lob)) {
                        ws.sendAtOnce("{\"type\":\"subscribe\",\"since\":\"" + since + "\"}", auth(narrowed));
                        assertEquals(4403, ws.awaitClose(Duration.ofSeconds(10)), () -> "frames: " + ws.seen());
                        assertFalse(ws.seen().stream().anyMatch(f -> f.path("lobWide").asBoolean(false)),
                                () -> "LOB-wide under a narrowed token: " + ws.seen());
                        closes++;
                    }
                }
                // the same refresh for a subscription it covers goes through, and only that contact is replayed
                try (RawWebSocket ws = session(lob)) {
                    ws.sendAtOnce("{\"type\":\"subscribe\",\"contacts\":[\"" + mine + "\"],\"since\":\"" + since + "\"}",
                            auth(narrowed));
                    JsonNode subscribed = ws.await("subscribed");
                    assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
                    List<String> replayed = ws.seen().stream().filter(f -> "event".equals(f.path("type").asText()))
                            .map(f -> f.path("contactId").asText()).distinct().collect(Collectors.toList());
                    assertEquals(List.of(mine), replayed);
                    String markerId = publish(lob, mine, 1).get(0).eventId();
                    ws.await("live event after the refresh", frame -> isEvent(frame, markerId), Duration.ofSeconds(20));
                }
                did.set(closes + " of 20 sessions sending subscribe{since} + a narrowed auth in one write closed 4403,"
                        + " none LOB-wide; a covering refresh replayed " + mineIds.size() + " events of its contact only");
            });
            canary.assertKeptUp(quiet, attack);
            report("finding 9 (narrowing refresh)", did.get() + "; canary " + attack);
        }
    }

    /**
     * Finding 5: ten abandoned resumes of one LOB made another LOB's 3-event resume from memory take 29.8 s. Now
     * abandoned replays are cancelled and a resume from memory never waits behind a Kafka read.
     */
    @Test
    void abandonedReplaysAreCancelledAndAResumeFromMemoryNeverWaitsBehindThem() throws Exception {
        String attackerLob = TestRelays.uniqueName("replayer");
        String attackerContact = UUID.randomUUID().toString();
        // more than the window (1,000 per partition) after the cursor: every attacking resume reads Kafka; 4 KB
        // each, 12 MB in all, so a client that does not read falls behind whatever the kernel buffers
        List<PublishResult> backlog = publishLarge(attackerLob, attackerContact, 3_000);
        String epoch = topicEpoch(attackerLob, attackerContact);
        String oldCursor = new Cursor(epoch, backlog.get(0).partition(), backlog.get(0).offset()).encode();
        String victimLob = TestRelays.uniqueName("victim");
        String victimContact = UUID.randomUUID().toString();
        try (AttackCanary canary = canary()) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            List<Double> victimMs = new ArrayList<>();
            double[] kafkaVictimMs = new double[1];
            int abandoned = 40;
            int stalled = 4;
            List<RawWebSocket> stalledSessions = new ArrayList<>();
            AttackCanary.Latencies attack = canary.during("finding 5", () -> {
                // clients that resume from far back and never read: more than the replay threads (2)
                for (int i = 0; i < stalled; i++) {
                    RawWebSocket ws = RawWebSocket.connectStalled(TestRelays.wsUri(relay));
                    stalledSessions.add(ws);
                    ws.send(auth(token(attackerLob)));
                    ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + attackerContact + "\"],\"cursors\":[\""
                            + oldCursor + "\"]}");
                }
                for (int i = 0; i < abandoned; i++) {
                    // resume from far back, then go away at once
                    RawWebSocket ws = session(attackerLob);
                    ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + attackerContact + "\"],\"cursors\":[\""
                            + oldCursor + "\"]}");
                    ws.close();
                }
                for (int round = 0; round < 5; round++) {
                    victimMs.add(victimResumeFromMemoryMs(victimLob, victimContact));
                }
                // and another LOB's resume from Kafka gets a replay thread: the stalled ones do not hold them
                kafkaVictimMs[0] = victimResumeFromKafkaMs(TestRelays.uniqueName("kafka-victim"), epoch);
            });
            stalledSessions.forEach(RawWebSocket::close);
            canary.assertKeptUp(quiet, attack);
            double worst = victimMs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            assertTrue(worst < 2_000, "a 3-event resume from memory took " + victimMs + " ms during the attack");
            // RELAY_REPLAY_TIMEOUT is 30 s: a replay thread held by a stalled client would show as that much
            assertTrue(kafkaVictimMs[0] < 10_000, "a resume from Kafka took " + kafkaVictimMs[0] + " ms");
            await("abandoned replays cancelled").atMost(Duration.ofSeconds(30))
                    .until(() -> metric("relay_replays_total{outcome=\"cancelled\"") > 0);
            report("finding 5 (abandoned replays)", abandoned + " resumes of one LOB from 3,000 records back, each"
                    + " abandoned at once: " + (long) metric("relay_replays_total{outcome=\"cancelled\"")
                    + " cancelled; another LOB's 3-event resume from memory took " + victimMs.stream()
                    .map(ms -> String.format("%.0f", ms)).collect(Collectors.joining("/")) + " ms; " + stalled
                    + " stalled clients resuming from Kafka did not hold the replay threads:"
                    + String.format(" another LOB's 1,100-event resume from Kafka took %.0f ms", kafkaVictimMs[0])
                    + "; canary " + attack);
        }
    }

    /** Another LOB, 1,100 events missed (past the window): ms from the subscribe to the subscribed frame. */
    private static double victimResumeFromKafkaMs(String lob, String epoch) throws IOException {
        String contact = UUID.randomUUID().toString();
        PublishResult seen = publish(lob, contact, 1).get(0);
        String cursor = new Cursor(epoch, seen.partition(), seen.offset()).encode();
        List<String> missed = publish(lob, contact, 1_100).stream().map(PublishResult::eventId)
                .collect(Collectors.toList());
        try (RawWebSocket ws = session(lob)) {
            long start = System.nanoTime();
            ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"],\"cursors\":[\"" + cursor + "\"]}");
            JsonNode subscribed = ws.await("subscribed", f -> "subscribed".equals(f.path("type").asText()),
                    Duration.ofSeconds(40));
            double ms = (System.nanoTime() - start) / 1e6;
            assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
            // the newest may come live, after subscribed, if the node had not read them yet at the seam
            String lastId = missed.get(missed.size() - 1);
            if (ws.seen().stream().noneMatch(frame -> isEvent(frame, lastId))) {
                ws.await("the last missed event", frame -> isEvent(frame, lastId), Duration.ofSeconds(20));
            }
            List<String> got = ws.seen().stream().filter(f -> "event".equals(f.path("type").asText()))
                    .map(f -> f.path("id").asText()).collect(Collectors.toList());
            assertEquals(missed, got, "every missed event once, in order");
            return ms;
        }
    }

    private static List<PublishResult> publishLarge(String lob, String contact, int count) {
        String padding = "p".repeat(4_000);
        List<CompletableFuture<PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(publisher.publishAsync(lob, contact, "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":"
                    + "{\"contactId\":\"" + contact + "\",\"state\":\"accepted-invitation\",\"padding\":\"" + padding
                    + "\"}}"));
        }
        return sent.stream().map(CompletableFuture::join).collect(Collectors.toList());
    }

    /** The victim: 3 events missed, back with its cursor; ms from the subscribe to the subscribed frame. */
    private static double victimResumeFromMemoryMs(String lob, String contact) throws IOException {
        String cursor;
        List<String> missed;
        // an observer of the same contact stays: once it has the missed events, the node has them in its window
        try (RawWebSocket observer = session(lob)) {
            observer.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            observer.await("subscribed");
            try (RawWebSocket ws = session(lob)) {
                ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
                ws.await("subscribed");
                String id = publish(lob, contact, 1).get(0).eventId();
                cursor = ws.await("victim event", frame -> isEvent(frame, id), Duration.ofSeconds(20)).path("cursor")
                        .asText();
            }
            missed = publish(lob, contact, 3).stream().map(PublishResult::eventId).collect(Collectors.toList());
            observer.await("the last missed event", frame -> isEvent(frame, missed.get(2)), Duration.ofSeconds(20));
        }
        try (RawWebSocket ws = session(lob)) {
            long start = System.nanoTime();
            ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"],\"cursors\":[\"" + cursor + "\"]}");
            JsonNode subscribed = ws.await("subscribed");
            double ms = (System.nanoTime() - start) / 1e6;
            assertTrue(subscribed.path("recovered").asBoolean(), subscribed.toString());
            List<String> got = ws.seen().stream().filter(f -> "event".equals(f.path("type").asText()))
                    .map(f -> f.path("id").asText()).collect(Collectors.toList());
            assertEquals(missed, got);
            return ms;
        }
    }

    /** A counter from the node's /metrics, summed over the series that start with {@code series}. */
    private static double metric(String series) {
        return TestRelays.get(relay, "/metrics").body().lines().filter(line -> line.startsWith(series))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** The topic's epoch as cursors carry it: subscribe to {@code contact}, publish a probe, read its cursor. */
    private static String topicEpoch(String lob, String contact) throws Exception {
        try (RawWebSocket ws = session(lob)) {
            ws.send("{\"type\":\"subscribe\",\"contacts\":[\"" + contact + "\"]}");
            ws.await("subscribed");
            String probeId = publish(lob, contact, 1).get(0).eventId();
            JsonNode probe = ws.await("probe event", frame -> isEvent(frame, probeId), Duration.ofSeconds(20));
            return Cursor.decode(probe.path("cursor").asText()).orElseThrow().epoch();
        }
    }
}
