package io.notifyrelay.dev;

import io.notifyrelay.app.ConfigException;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayConfig;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.it.attack.AttackCanary;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finding 7 of issue 11: dev mode's demo actions as an attacker on another web origin (or another host) meets them.
 * The relay is started the way ./scripts/dev starts it ({@link DevMain#devEnvironment}, {@link DevMain#startRelay}),
 * against the test broker.
 */
@RealKafka
class DevModeAttackIT {
    /** Long enough that the quiet baseline sees this shared machine's usual hiccups too, not only its best seconds. */
    private static final Duration QUIET = Duration.ofSeconds(5);


    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String EVIL = "https://evil.example";

    private static Map<String, String> systemEnv(KafkaBackend kafka, String topic, String... more) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", "dev-" + UUID.randomUUID());
        env.put("RELAY_HTTP_PORT", "0");
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        for (int i = 0; i < more.length; i += 2) {
            env.put(more[i], more[i + 1]);
        }
        return env;
    }

    private static RelayNode startDev(Map<String, String> systemEnv) {
        Map<String, String> env = DevMain.devEnvironment(systemEnv);
        RelayConfig config = ConfigLoader.load(new String[0], env);
        RelayNode node = DevMain.startRelay(config, env, DevMain.demoActionsOn(systemEnv));
        await().atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    private static HttpResponse<String> call(RelayNode node, String method, String pathAndQuery, String origin)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (origin != null) {
            request.header("Origin", origin).header("Access-Control-Request-Method", "POST");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertNoCors(HttpResponse<String> response) {
        assertEquals(Optional.empty(), response.headers().firstValue("Access-Control-Allow-Origin"),
                response.request().method() + " " + response.uri());
    }

    @Test
    void theDemoActionsAnswerOnlySameOriginPostsOnLoopback(KafkaBackend kafka) throws Exception {
        String topic = "dev-attack-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 3);
        Map<String, String> systemEnv = systemEnv(kafka, topic); // no RELAY_JWT_SECRET: the built-in dev secret
        assertEquals("127.0.0.1", ConfigLoader.load(new String[0], DevMain.devEnvironment(systemEnv)).http().host());
        String victimLob = "victim-" + UUID.randomUUID().toString().substring(0, 8);
        try (RelayNode node = startDev(systemEnv);
             AttackCanary canary = AttackCanary.connect(URI.create("ws://127.0.0.1:" + node.httpPort() + "/v1/ws"),
                     DevMain.DEV_SECRET, kafka.bootstrapServers(), topic);
             WsTestClient victim = WsTestClient.connect(URI.create("ws://127.0.0.1:" + node.httpPort() + "/v1/ws"))) {
            victim.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(DevMain.DEV_SECRET).lob(victimLob).sign() + "\"}");
            victim.awaitFrame("welcome");
            victim.send("{\"type\":\"subscribe\"}");
            victim.awaitFrame("subscribed");
            AttackCanary.Latencies quiet = canary.quiet(QUIET);
            int[] refused = new int[4];
            AttackCanary.Latencies attack = canary.during("forged demo requests", () -> {
                for (int i = 0; i < 20; i++) {
                    for (String path : List.of("/demo/publish?lob=" + victimLob, "/demo/token?lob=" + victimLob)) {
                        HttpResponse<String> get = call(node, "GET", path, null);
                        assertEquals(405, get.statusCode(), get.body());
                        refused[0]++;
                        HttpResponse<String> crossSite = call(node, "POST", path, EVIL);
                        assertEquals(403, crossSite.statusCode(), crossSite.body());
                        assertNoCors(crossSite);
                        refused[1]++;
                        HttpResponse<String> preflight = call(node, "OPTIONS", path, EVIL);
                        assertNoCors(preflight);
                        refused[2] += preflight.statusCode() >= 400 ? 1 : 0;
                    }
                }
                refused[3] = reachableFromAnotherInterface(node.httpPort()) ? 1 : 0;
            });
            System.out.printf("[attack] dev mode: %d GETs answered 405, %d cross-origin POSTs 403 and %d preflights "
                    + "refused, none with CORS headers; listener reachable from a non-loopback address: %s%n",
                    refused[0], refused[1], refused[2], refused[3] == 1);
            assertEquals(0, refused[3], "dev mode listens on 127.0.0.1 only");
            canary.assertKeptUp(quiet, attack);

            // the same page's own POST works, and its event is the only one the victim LOB got
            HttpResponse<String> own = call(node, "POST", "/demo/publish?lob=" + victimLob, null);
            assertEquals(200, own.statusCode(), own.body());
            String eventId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(own.body()).path("eventId").asText();
            victim.awaitFrame(f -> eventId.equals(f.path("id").asText()));
            assertEquals(1, victim.framesOfType("event").size(), "no forged event reached the victim");
            HttpResponse<String> sameOrigin = call(node, "POST", "/demo/token?lob=" + victimLob,
                    "http://127.0.0.1:" + node.httpPort());
            assertEquals(200, sameOrigin.statusCode(), sameOrigin.body());
            assertNoCors(sameOrigin);
        }
    }

    /** Whether the port answers on an address of this machine that is not loopback (false when it has none). */
    private static boolean reachableFromAnotherInterface(int port) throws IOException {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : nic.inetAddresses().toList()) {
                if (address instanceof Inet4Address) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(address, port), 2_000);
                        return true;
                    } catch (ConnectException refused) {
                        // nothing listens there: as it should be
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aSecretFromTheEnvironmentSwitchesTheActionsOffUnlessEnabled(KafkaBackend kafka) throws Exception {
        String secret = "a-secret-from-the-environment-0123456789";
        assertTrue(DevMain.demoActionsOn(Map.of()), "built-in secret: on");
        assertFalse(DevMain.demoActionsOn(Map.of("RELAY_JWT_SECRET", secret)), "secret from the environment: off");
        assertTrue(DevMain.demoActionsOn(Map.of("RELAY_JWT_SECRET", secret, "RELAY_DEMO_ACTIONS", "true")));
        assertThrows(ConfigException.class, () -> DevMain.demoActionsOn(Map.of("RELAY_DEMO_ACTIONS", "yes please")));

        String topic = "dev-secret-" + UUID.randomUUID().toString().substring(0, 8);
        kafka.createTopic(topic, 3);
        try (RelayNode node = startDev(systemEnv(kafka, topic, "RELAY_JWT_SECRET", secret))) {
            for (String path : List.of("/demo/publish?lob=victim", "/demo/token?lob=victim")) {
                HttpResponse<String> off = call(node, "POST", path, null);
                assertEquals(403, off.statusCode(), off.body());
                assertTrue(off.body().contains("RELAY_DEMO_ACTIONS"), off.body());
            }
            assertEquals(200, call(node, "GET", "/demo/", null).statusCode(), "the page itself is still served");
        }
    }
}
