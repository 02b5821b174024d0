package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.JwksServer;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.websocket.CloseCodes;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tokens end to end on a real node: ES256 from a PEM key, RS256/ES256 from a JWKS URL with a key rotation, the
 * required issuer and audience, and a token expiring during the session (warning, refresh, 4401).
 */
@RealKafka
class TokenLifecycleIT {

    static final String ISSUER = "https://id.example.test/realms/notify";
    static final String AUDIENCE = "notify-relay";
    static final KeyPair EC = TestTokens.generateEcKeyPair();
    static final KeyPair JWKS_RSA = TestTokens.generateRsaKeyPair();
    static final KeyPair JWKS_EC = TestTokens.generateEcKeyPair();

    private static JwksServer jwks;
    private static RelayNode relay;
    private static NotifyPublisher publisher;

    @BeforeAll
    static void start(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("tokens");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        jwks = new JwksServer(JwksServer.jwk(JWKS_RSA, "2025-01"));
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_JWT_PUBLIC_KEY", TestTokens.publicKeyPem(EC.getPublic()));
        env.put("RELAY_JWT_JWKS_URL", jwks.url().toString());
        env.put("RELAY_JWT_ISSUER", ISSUER);
        env.put("RELAY_JWT_AUDIENCE", AUDIENCE + ",another-audience");
        env.put("RELAY_TOKEN_EXPIRY_WARNING", "3s");
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
        if (jwks != null) {
            jwks.close();
        }
    }

    /** The claims this node requires, on any spec. */
    static TestTokens.TokenSpec valid(TestTokens.TokenSpec spec, String lob) {
        return spec.lob(lob).claim("iss", ISSUER).claim("aud", AUDIENCE);
    }

    static String auth(String token) {
        return "{\"type\":\"auth\",\"token\":\"" + token + "\"}";
    }

    /** Authenticates, subscribes to the whole LOB and returns the open session. */
    static WsTestClient session(String token) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send(auth(token));
        client.awaitFrame("welcome");
        client.send("{\"type\":\"subscribe\"}");
        client.awaitFrame("subscribed");
        return client;
    }

    static void assertReceivesEvents(WsTestClient client, String lob) {
        String contact = UUID.randomUUID().toString();
        PublishResult sent = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
        client.awaitFrame("event " + sent.eventId(), e -> sent.eventId().equals(e.path("id").asText()),
                Duration.ofSeconds(20));
    }

    static int closeCodeAfterAuth(String token) {
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send(auth(token));
            return client.awaitClose();
        }
    }

    @Test
    void es256FromAPemKeyEndToEnd() {
        String lob = TestRelays.uniqueName("es256");
        try (WsTestClient client = session(valid(TestTokens.es256(EC), lob).sign())) {
            assertReceivesEvents(client, lob);
        }
    }

    @Test
    void es256SignedByAnotherKeyCloses4401() {
        String token = valid(TestTokens.es256(TestTokens.generateEcKeyPair()), "faber").sign();
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfterAuth(token));
    }

    @Test
    void wrongAudienceCloses4401WithTheReason() {
        String token = TestTokens.es256(EC).lob("faber").claim("iss", ISSUER).claim("aud", "billing").sign();
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send(auth(token));
            assertEquals(CloseCodes.UNAUTHORIZED, client.awaitClose());
            assertEquals("token audience (aud) not accepted", client.closeReason().orElse(""));
        }
    }

    @Test
    void wrongIssuerCloses4401() {
        String token = TestTokens.es256(EC).lob("faber").claim("iss", "https://evil.example").claim("aud", AUDIENCE)
                .sign();
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfterAuth(token));
    }

    /** Rotation at the identity provider: the new kid is fetched on first sight, the removed key stops working. */
    @Test
    void jwksKeysEndToEndThroughARotation() {
        String lob = TestRelays.uniqueName("jwks");
        String oldToken = valid(TestTokens.rs256(JWKS_RSA), lob).keyId("2025-01").sign();
        try (WsTestClient client = session(oldToken)) {
            assertReceivesEvents(client, lob);
        }

        jwks.serve(JwksServer.jwk(JWKS_EC, "2025-02"));
        try (WsTestClient client = session(valid(TestTokens.es256(JWKS_EC), lob).keyId("2025-02").sign())) {
            assertReceivesEvents(client, lob);
        }
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send(auth(oldToken));
            assertEquals(CloseCodes.UNAUTHORIZED, client.awaitClose());
            assertEquals("token signed with an unknown key (kid)", client.closeReason().orElse(""));
        }
    }

    @Test
    void aRefreshInTheWindowKeepsTheSessionReceiving() {
        String lob = TestRelays.uniqueName("refresh");
        TestTokens.TokenSpec spec = valid(TestTokens.es256(EC), lob);
        Instant issued = Instant.now();
        Instant exp = issued.plusSeconds(5);
        try (WsTestClient client = session(spec.issuedAt(issued).expiresIn(Duration.ofSeconds(5)).sign())) {
            JsonNode warning = client.awaitFrame("token_expiring");
            assertEquals(exp.getEpochSecond(), Instant.parse(warning.path("expiresAt").asText()).getEpochSecond());
            assertTrue(warning.path("refreshWithin").asLong() <= 3000, warning.toString());

            client.send(auth(spec.sign())); // a fresh token, an hour long
            await("past the first token's exp").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Instant.now().isAfter(exp.plusSeconds(1)));
            assertTrue(!client.isClosed(), "the refreshed session stays open past the old exp");
            assertReceivesEvents(client, lob);
        }
    }

    @Test
    void noRefreshBeforeExpCloses4401() {
        String lob = TestRelays.uniqueName("late");
        TestTokens.TokenSpec spec = valid(TestTokens.es256(EC), lob);
        Instant issued = Instant.now();
        try (WsTestClient client = session(spec.issuedAt(issued).expiresIn(Duration.ofSeconds(3)).sign())) {
            client.awaitFrame("token_expiring");
            await("past exp").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Instant.now().isAfter(issued.plusSeconds(4)));
            try {
                client.send(auth(spec.sign())); // too late: the deadline (exp, no grace) has passed
            } catch (IllegalStateException e) {
                // the close may already have shut the output
            }
            assertEquals(CloseCodes.UNAUTHORIZED, client.awaitClose());
            assertEquals("token expired", client.closeReason().orElse(""));
        }
    }

    @Test
    void aRefreshForAnotherLobCloses4401() {
        String lob = TestRelays.uniqueName("lob");
        try (WsTestClient client = session(valid(TestTokens.es256(EC), lob).sign())) {
            client.send(auth(valid(TestTokens.es256(EC), TestRelays.uniqueName("other")).sign()));
            assertEquals(CloseCodes.UNAUTHORIZED, client.awaitClose());
        }
    }
}
