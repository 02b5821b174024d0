package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.it.attack.AttackCanary;
import io.notifyrelay.it.attack.RawConnections;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Findings 1 and 2 of issue 11, against a real node over real sockets: requests that never finish (huge headers,
 * slowloris, silence) are cut by the listener's bounds, and connections past the admission bounds are refused at
 * accept, while a canary session of another LOB keeps its latency. The first two tests run with the shipped
 * defaults; the third lowers the connection bounds so that a few hundred sockets prove them.
 */
@RealKafka
class ListenerAttackIT {
    /** Long enough that the quiet baseline sees this shared machine's usual hiccups too, not only its best seconds. */
    private static final Duration QUIET = Duration.ofSeconds(5);


    private static final Duration SHIPPED_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SHIPPED_IDLE_TIMEOUT = Duration.ofSeconds(10);
    /** Timers fire on a loaded 2-core machine: how late a cut may come after its timeout. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    private static RelayNode start(KafkaBackend kafka, String topic, Map<String, String> overrides) {
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.putAll(overrides);
        return TestRelays.startReady(env);
    }

    private static AttackCanary canary(RelayNode relay, KafkaBackend kafka, String topic) {
        return AttackCanary.connect(TestRelays.wsUri(relay), TestRelays.SECRET, kafka.bootstrapServers(), topic);
    }

    private static String requestStart() {
        return "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    }

    @Test
    void requestsWithHugeHeadersAreCutAtTheHeaderLimit(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-headers");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        int connections = 200;
        String line = "X-Filler: " + "a".repeat(1000) + "\r\n";
        try (RelayNode relay = start(kafka, topic, Map.of()); AttackCanary canary = canary(relay, kafka, topic)) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            long[] lastCutMs = new long[1];
            long[] answered = new long[1];
            AttackCanary.Latencies attack = canary.during("huge headers", () -> {
                try (RawConnections raw = RawConnections.open(relay.httpPort(), connections, requestStart())) {
                    for (int i = 0; i < 40; i++) { // 40 KB of headers each, never the blank line that ends them
                        raw.sendToAllOpen(line);
                        raw.pump(Duration.ofMillis(20));
                    }
                    assertTrue(raw.awaitAllClosed(SHIPPED_REQUEST_TIMEOUT), raw.openCount() + " connections of "
                            + connections + " still open");
                    lastCutMs[0] = raw.lastClosedAtMs();
                    answered[0] = raw.connections().stream().filter(c -> c.statusLine().startsWith("HTTP/1.1 4")).count();
                }
            });
            System.out.printf("[attack] huge headers: %d connections x 40 KB of headers (limit 16 KiB): all cut by the "
                    + "node, the last %d ms after opening, %d with a 4xx answer%n", connections, lastCutMs[0], answered[0]);
            assertTrue(lastCutMs[0] < SHIPPED_REQUEST_TIMEOUT.toMillis(),
                    "cut by the header limit, before the request timeout: " + lastCutMs[0] + " ms");
            canary.assertKeptUp(quiet, attack);
        }
    }

    @Test
    void slowAndSilentConnectionsAreCutWithinTheirTimeouts(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-slow");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        int slow = 300;
        int silent = 300;
        try (RelayNode relay = start(kafka, topic, Map.of()); AttackCanary canary = canary(relay, kafka, topic)) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            long[] cut = new long[4];
            AttackCanary.Latencies attack = canary.during("slowloris and silent connections", () -> {
                try (RawConnections slowloris = RawConnections.open(relay.httpPort(), slow, requestStart());
                     RawConnections quietOnes = RawConnections.open(relay.httpPort(), silent, "")) {
                    long deadline = System.nanoTime() + SHIPPED_REQUEST_TIMEOUT.plus(SLACK).toNanos();
                    int line = 0;
                    while (System.nanoTime() < deadline && slowloris.openCount() + quietOnes.openCount() > 0) {
                        slowloris.sendToAllOpen("X-Slow-" + line++ + ": 1\r\n"); // one header line every 5 s
                        for (int i = 0; i < 50 && System.nanoTime() < deadline; i++) {
                            slowloris.pump(Duration.ofMillis(50));
                            quietOnes.pump(Duration.ofMillis(50));
                        }
                    }
                    cut[0] = slowloris.openCount();
                    cut[1] = slowloris.lastClosedAtMs();
                    cut[2] = quietOnes.openCount();
                    cut[3] = quietOnes.lastClosedAtMs();
                    long firstSlowCut = slowloris.connections().stream().mapToLong(RawConnections.Connection::closedAtMs)
                            .filter(ms -> ms >= 0).min().orElse(-1);
                    assertTrue(firstSlowCut >= 5_000, "slowloris connections lived past their second line: " + firstSlowCut);
                }
            });
            System.out.printf("[attack] slowloris: %d connections, one header line every 5 s: %d left open, last cut "
                    + "%d ms after opening (REQUEST_TIMEOUT 10s)%n", slow, cut[0], cut[1]);
            System.out.printf("[attack] silent: %d connections sending nothing: %d left open, last cut %d ms after "
                    + "opening (IDLE_CONNECTION_TIMEOUT 10s)%n", silent, cut[2], cut[3]);
            assertEquals(0, cut[0], "slowloris connections still open after the request timeout");
            assertEquals(0, cut[2], "silent connections still open after the idle timeout");
            assertTrue(cut[1] <= SHIPPED_REQUEST_TIMEOUT.plus(SLACK).toMillis());
            assertTrue(cut[3] <= SHIPPED_IDLE_TIMEOUT.plus(SLACK).toMillis());
            canary.assertKeptUp(quiet, attack);
        }
    }

    @Test
    void withTheShippedDefaultsAFloodStopsAt2000ConnectionsThatAreNotSessions(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-flood");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        int attackers = 2_100; // ~4,200 descriptors in this JVM (both ends), well under its limit
        try (RelayNode relay = start(kafka, topic, Map.of()); AttackCanary canary = canary(relay, kafka, topic)) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            long[] seen = new long[2];
            AttackCanary.Latencies attack = canary.during("flood of 2,100 connections", () -> {
                try (RawConnections raw = RawConnections.open(relay.httpPort(), attackers, "")) {
                    raw.pump(Duration.ofSeconds(2));
                    seen[0] = raw.countWithStatus("503");
                    seen[1] = raw.openCount();
                }
            });
            System.out.printf("[attack] connection flood with the shipped defaults: %d silent connections: %d refused "
                    + "at accept with 503, %d held (RELAY_MAX_PENDING_CONNECTIONS 2000)%n", attackers, seen[0], seen[1]);
            assertEquals(2_000, seen[1], "held open");
            assertEquals(attackers - 2_000, seen[0], "refused with 503");
            canary.assertKeptUp(quiet, attack);
        }
    }

    @Test
    void tooManyHeadersAndOversizedBodiesAreRefused(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("attack-count");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (RelayNode relay = start(kafka, topic, Map.of())) {
            StringBuilder manyHeaders = new StringBuilder(requestStart());
            for (int i = 0; i < 150; i++) { // the shipped RELAY_MAX_HEADERS is 100
                manyHeaders.append("X-H").append(i).append(": 1\r\n");
            }
            try (RawConnections raw = RawConnections.open(relay.httpPort(), 1, manyHeaders.append("\r\n").toString())) {
                assertTrue(raw.awaitAllClosed(Duration.ofSeconds(5)), "still open after 150 headers");
                assertTrue(raw.connections().get(0).statusLine().startsWith("HTTP/1.1 4"),
                        raw.connections().get(0).received());
            }
            // a body announced at 10 MB, of which 1 MB is sent: the shipped RELAY_MAX_REQUEST_BYTES is 64 KiB
            try (RawConnections raw = RawConnections.open(relay.httpPort(), 1, "POST /v1/routes HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n")) {
                String chunk = "b".repeat(64 * 1024);
                for (int i = 0; i < 16 && raw.openCount() > 0; i++) {
                    raw.sendToAllOpen(chunk);
                    raw.pump(Duration.ofMillis(20));
                }
                assertTrue(raw.awaitAllClosed(Duration.ofSeconds(5)), "still open with a body past the limit");
                System.out.printf("[attack] oversized body: answered '%s', connection closed%n",
                        raw.connections().get(0).statusLine());
                assertTrue(raw.connections().get(0).statusLine().startsWith("HTTP/1.1 4")
                        || raw.connections().get(0).received().isEmpty(), raw.connections().get(0).received());
            }
            try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
                client.send("{\"type\":\"ping\"}");
                client.awaitFrame("pong");
            }
        }
    }

    @Test
    void theRequestBodyLimitDoesNotLimitWhatASessionSendsOverItsLife(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("attack-body");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (RelayNode relay = start(kafka, topic, Map.of()); WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob("body").sign() + "\"}");
            client.awaitFrame("welcome");
            String padded = "{\"type\":\"ping\",\"pad\":\"" + "p".repeat(3000) + "\"}";
            for (int i = 0; i < 40; i++) { // 120 KB in all, over RELAY_MAX_REQUEST_BYTES (64 KiB), under 50 frames/s
                client.send(padded);
            }
            client.awaitFrames("pong", 40);
        }
    }

    @Test
    void connectionsPastTheAdmissionBoundsAreRefusedAtAcceptAndHealthStillAnswers(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-conn");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        int maxConnections = 60;
        int maxPending = 40;
        // bounds lowered from the shipped ones (auto from the descriptor limit; 2000) so a few hundred sockets prove them
        Map<String, String> bounds = Map.of("RELAY_MAX_CONNECTIONS", "" + maxConnections,
                "RELAY_MAX_PENDING_CONNECTIONS", "" + maxPending, "RELAY_MANAGEMENT_PORT", "0");
        try (RelayNode relay = start(kafka, topic, bounds); AttackCanary canary = canary(relay, kafka, topic)) {
            URI ready = URI.create("http://127.0.0.1:" + relay.managementPort().orElseThrow() + "/health/ready");
            HttpClient http = HttpClient.newHttpClient();
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            int attackers = 300;
            long[] seen = new long[3];
            AttackCanary.Latencies pendingFlood = canary.during("connection flood", () -> {
                try (RawConnections raw = RawConnections.open(relay.httpPort(), attackers, "")) {
                    raw.pump(Duration.ofSeconds(3)); // the flood holds its connections while the canary measures
                    seen[0] = raw.countWithStatus("503");
                    seen[1] = raw.openCount();
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(ready).build(),
                            HttpResponse.BodyHandlers.ofString());
                    seen[2] = health.statusCode();
                    // top the pending connections up to the bound, then a new client is refused at accept: it reads
                    // the 503, or (its request racing the close) a reset
                    try (RawConnections topUp = RawConnections.open(relay.httpPort(), 3, "")) {
                        topUp.pump(Duration.ofMillis(200));
                    RuntimeException refused = assertThrows(RuntimeException.class,
                            () -> WsTestClient.connect(TestRelays.wsUri(relay)));
                    assertTrue(refused.toString().contains("503") || refused.toString().contains("reset")
                            || refused.toString().contains("closed"), refused.toString());
                    }
                }
            });
            System.out.printf("[attack] connection flood: %d silent connections, RELAY_MAX_PENDING_CONNECTIONS=%d: %d "
                    + "refused at accept with 503, %d held; /health/ready on the management port answered %d%n",
                    attackers, maxPending, seen[0], seen[1], seen[2]);
            assertEquals(maxPending, seen[1], "held open");
            assertEquals(attackers - maxPending, seen[0], "the rest refused with 503");
            assertEquals(200, seen[2]);
            canary.assertKeptUp(quiet, pendingFlood);

            // sessions count with pending connections: fill the node with sessions, the next connection is refused
            List<WsTestClient> sessions = new ArrayList<>();
            try {
                String lob = TestRelays.uniqueName("filler");
                String token = TestTokens.hs256(TestRelays.SECRET).lob(lob).sign();
                while (sessions.size() < maxConnections - 1) { // the canary holds one connection
                    WsTestClient session = WsTestClient.connect(TestRelays.wsUri(relay));
                    sessions.add(session);
                    session.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
                    session.awaitFrame("welcome");
                }
                try (RawConnections extra = RawConnections.open(relay.httpPort(), 1, "")) {
                    extra.awaitAllClosed(Duration.ofSeconds(5));
                    assertEquals(1, extra.countWithStatus("503"), "connection past RELAY_MAX_CONNECTIONS: "
                            + extra.connections().get(0).received());
                }
                sessions.remove(0).close();
                // the node releases the slot when it sees the TCP close, a moment after the client's
                org.awaitility.Awaitility.await("a slot freed by the closed session").atMost(Duration.ofSeconds(10))
                        .ignoreExceptionsInstanceOf(WsTestClient.HandshakeRejectedException.class).until(() -> {
                            try (WsTestClient again = WsTestClient.connect(TestRelays.wsUri(relay))) {
                                again.send("{\"type\":\"ping\"}");
                                again.awaitFrame("pong");
                                return true;
                            }
                        });
            } finally {
                sessions.forEach(WsTestClient::close);
            }
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + relay.managementPort().orElseThrow() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(404, TestRelays.get(relay, "/metrics").statusCode(), "not on the client port");
            assertEquals(404, TestRelays.get(relay, "/health/ready").statusCode(), "not on the client port");
            List<String> refusedLines = metrics.lines().filter(l -> l.startsWith("relay_connections_refused_total")).toList();
            // the flood's refusals, the three of the top-up and the client refused after it
            assertTrue(refusedLines.contains("relay_connections_refused_total{reason=\"max_pending_connections\"} "
                    + (double) (seen[0] + 4)), refusedLines.toString());
            assertTrue(refusedLines.contains("relay_connections_refused_total{reason=\"max_connections\"} 1.0"),
                    refusedLines.toString());
        }
    }
}
