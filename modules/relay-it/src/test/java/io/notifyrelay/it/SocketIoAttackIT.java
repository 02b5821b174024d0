package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.it.attack.AttackCanary;
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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 6 of issue 11: socket.io floods. A socket sending packets past RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND is
 * closed (before and after its CONNECT), handshakes without a token stop at RELAY_SOCKETIO_MAX_UNAUTHENTICATED, and
 * socket.io sessions count in RELAY_MAX_SESSIONS, RELAY_MAX_SESSIONS_PER_LOB, relay_sessions and /health/ready as
 * /v1/ws sessions do; a canary session of another LOB keeps its latency.
 */
@RealKafka
class SocketIoAttackIT {
    /** Long enough that the quiet baseline sees this shared machine's usual hiccups too, not only its best seconds. */
    private static final Duration QUIET = Duration.ofSeconds(5);


    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static RelayNode start(KafkaBackend kafka, String topic, Map<String, String> overrides) {
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.putAll(overrides);
        return TestRelays.startReady(env);
    }

    private static URI socketIo(RelayNode relay, String transport) {
        String scheme = transport.equals("websocket") ? "ws" : "http";
        return URI.create(scheme + "://127.0.0.1:" + relay.httpPort() + "/socket.io/?EIO=4&transport=" + transport);
    }

    /** An Engine.IO polling handshake: the status and body (the open packet, or the refusal). */
    private static HttpResponse<String> pollingHandshake(RelayNode relay) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(socketIo(relay, "polling")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String connectPacket(String lob) {
        return "40{\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}";
    }

    @Test
    void aPacketFloodClosesThatSocketBeforeAndAfterItsConnect(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-sio");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (RelayNode relay = start(kafka, topic, Map.of());
             AttackCanary canary = AttackCanary.connect(TestRelays.wsUri(relay), TestRelays.SECRET,
                     kafka.bootstrapServers(), topic)) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            int[] sent = new int[2];
            int[] codes = new int[2];
            AttackCanary.Latencies attack = canary.during("socket.io packet floods", () -> {
                // before CONNECT: noop packets as fast as the socket takes them
                try (WsTestClient anonymous = WsTestClient.connect(socketIo(relay, "websocket"))) {
                    anonymous.awaitFrame(f -> f.asText().startsWith("0{"));
                    sent[0] = flood(anonymous, "6");
                    codes[0] = anonymous.awaitClose();
                }
                // after CONNECT: events
                try (WsTestClient connected = WsTestClient.connect(socketIo(relay, "websocket"))) {
                    connected.awaitFrame(f -> f.asText().startsWith("0{"));
                    connected.send(connectPacket(TestRelays.uniqueName("flooder")));
                    connected.awaitFrame(f -> f.asText().startsWith("40{"));
                    sent[1] = flood(connected, "42[\"REGISTER_SOCKET\",{}]");
                    codes[1] = connected.awaitClose();
                }
            });
            System.out.printf("[attack] socket.io flood before CONNECT: closed with %d after %d packets; after CONNECT: "
                    + "closed with %d after %d packets (RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND 50)%n", codes[0], sent[0],
                    codes[1], sent[1]);
            assertEquals(1008, codes[0]);
            assertEquals(1008, codes[1]);
            canary.assertKeptUp(quiet, attack);
        }
    }

    /** Sends {@code packet} until the node closes the socket (at most 5,000 times); returns how many went out. */
    private static int flood(WsTestClient client, String packet) {
        int sent = 0;
        try {
            while (sent < 5_000 && !client.isClosed()) {
                client.send(packet);
                sent++;
            }
        } catch (IllegalStateException closedByTheNode) {
            // the node closed the socket mid-flood: the point
        }
        return sent;
    }

    @Test
    void handshakesWithoutATokenStopAtTheirBoundUntilTheyExpire(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-sio-hs");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        int attempts = 1_100; // the shipped RELAY_SOCKETIO_MAX_UNAUTHENTICATED is 1000; RELAY_AUTH_TIMEOUT 10s
        try (RelayNode relay = start(kafka, topic, Map.of());
             AttackCanary canary = AttackCanary.connect(TestRelays.wsUri(relay), TestRelays.SECRET,
                     kafka.bootstrapServers(), topic)) {
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            int[] outcome = new int[2];
            AttackCanary.Latencies attack = canary.during("token-less socket.io handshakes", () -> {
                // 20 at a time over a few keep-alive connections: the node's cost, not the test client's, is measured
                for (int done = 0; done < attempts; done += 20) {
                    List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
                    for (int i = done; i < Math.min(attempts, done + 20); i++) {
                        batch.add(HTTP.sendAsync(HttpRequest.newBuilder(socketIo(relay, "polling")).build(),
                                HttpResponse.BodyHandlers.ofString()));
                    }
                    for (CompletableFuture<HttpResponse<String>> handshake : batch) {
                        int status = handshake.join().statusCode();
                        outcome[status == 200 ? 0 : 1] += status == 200 || status == 503 ? 1 : 0;
                    }
                }
            });
            System.out.printf("[attack] %d token-less polling handshakes: %d opened, %d refused with 503 "
                    + "(RELAY_SOCKETIO_MAX_UNAUTHENTICATED 1000)%n", attempts, outcome[0], outcome[1]);
            assertEquals(1_000, outcome[0]);
            assertEquals(attempts - 1_000, outcome[1]);
            canary.assertKeptUp(quiet, attack);
            HttpResponse<String> whileFull = pollingHandshake(relay);
            assertEquals(503, whileFull.statusCode(), whileFull.body());
            // each had RELAY_AUTH_TIMEOUT (10s) to CONNECT; once they expire, handshakes open again
            await().atMost(Duration.ofSeconds(30)).until(() -> pollingHandshake(relay).statusCode() == 200);
        }
    }

    @Test
    void socketIoSessionsCountInTheNodesAndTheLobsSessionLimits(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("attack-sio-count");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        // limits lowered from the shipped 100000 and 20000, so a handful of sessions reach them
        try (RelayNode relay = start(kafka, topic, Map.of("RELAY_MAX_SESSIONS", "4", "RELAY_MAX_SESSIONS_PER_LOB", "2"))) {
            String lob = TestRelays.uniqueName("lob");
            try (WsTestClient first = WsTestClient.connect(TestRelays.wsUri(relay));
                 WsTestClient second = WsTestClient.connect(socketIo(relay, "websocket"))) {
                first.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
                first.awaitFrame("welcome");
                second.awaitFrame(f -> f.asText().startsWith("0{"));
                second.send(connectPacket(lob));
                second.awaitFrame(f -> f.asText().startsWith("40{"));
                // the LOB has 2 sessions, one of each transport: a third, socket.io, is refused at CONNECT
                try (WsTestClient third = WsTestClient.connect(socketIo(relay, "websocket"))) {
                    third.awaitFrame(f -> f.asText().startsWith("0{"));
                    third.send(connectPacket(lob));
                    JsonNode refused = third.awaitFrame(f -> f.asText().startsWith("44"));
                    assertTrue(refused.asText().contains("RELAY_MAX_SESSIONS_PER_LOB"), refused.asText());
                    assertEquals(3, readySessions(relay), "/health/ready counts both transports");
                    assertTrue(TestRelays.get(relay, "/metrics").body().contains("relay_sessions 3.0"));
                    // 3 sessions + one polling session = RELAY_MAX_SESSIONS: /v1/ws handshakes get 503
                    assertEquals(200, pollingHandshake(relay).statusCode());
                    var full = org.junit.jupiter.api.Assertions.assertThrows(WsTestClient.HandshakeRejectedException.class,
                            () -> WsTestClient.connect(TestRelays.wsUri(relay)));
                    assertEquals(503, full.statusCode());
                    assertEquals(503, pollingHandshake(relay).statusCode(), "and socket.io handshakes too");
                }
            }
        }
    }

    private static int readySessions(RelayNode relay) {
        return Notifications.tree(TestRelays.get(relay, "/health/ready").body()).path("sessions").asInt();
    }
}
