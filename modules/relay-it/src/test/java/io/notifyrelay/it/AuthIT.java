package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.websocket.CloseCodes;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every way a session can fail to authenticate ends with its documented close code. */
@RealKafka
class AuthIT {

    private static final KeyPair RSA = TestTokens.generateRsaKeyPair();
    private static RelayNode relay;

    @BeforeAll
    static void start(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("auth");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("RELAY_AUTH_TIMEOUT", "1s");
        env.put("RELAY_JWT_PUBLIC_KEY", TestTokens.publicKeyPem(RSA.getPublic()));
        relay = TestRelays.startReady(env);
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    private static int closeCodeAfter(String... frames) {
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            for (String frame : frames) {
                client.send(frame);
            }
            return client.awaitClose();
        }
    }

    private static String auth(String token) {
        return "{\"type\":\"auth\",\"token\":\"" + token + "\"}";
    }

    @Test
    void noAuthWithinTheTimeoutCloses4408() {
        assertEquals(CloseCodes.AUTH_TIMEOUT, closeCodeAfter());
    }

    @Test
    void subscribingBeforeAuthCloses4401() {
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfter("{\"type\":\"subscribe\"}"));
    }

    @Test
    void badSignatureCloses4401() {
        String forged = TestTokens.hs256("a-different-secret-that-is-long-enough-000").lob("faber").sign();
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfter(auth(forged)));
    }

    @Test
    void garbageTokenCloses4401() {
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfter(auth("not.a.jwt")));
    }

    @Test
    void expiredTokenCloses4401() {
        String expired = TestTokens.hs256(TestRelays.SECRET).lob("faber")
                .issuedAt(Instant.now().minus(Duration.ofHours(2))).expiresIn(Duration.ofMinutes(-30)).sign();
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfter(auth(expired)));
    }

    @Test
    void tokenWithoutLobCloses4401() {
        String noLob = TestTokens.hs256(TestRelays.SECRET).lob("faber").without("lob").sign();
        assertEquals(CloseCodes.UNAUTHORIZED, closeCodeAfter(auth(noLob)));
    }

    @Test
    void contactOutsideTheClaimCloses4403() {
        String token = TestTokens.hs256(TestRelays.SECRET).lob("faber").contacts(List.of("contact-a")).sign();
        assertEquals(CloseCodes.FORBIDDEN,
                closeCodeAfter(auth(token), "{\"type\":\"subscribe\",\"contacts\":[\"contact-b\"]}"));
    }

    @Test
    void tokenExpiringDuringTheSessionCloses4401() {
        String shortLived = TestTokens.hs256(TestRelays.SECRET).lob("faber").expiresIn(Duration.ofSeconds(2)).sign();
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send(auth(shortLived));
            client.awaitFrame("welcome");
            // the JWT clock skew (default 30 s) does not extend a live session past exp
            assertEquals(CloseCodes.UNAUTHORIZED, client.awaitClose());
        }
    }

    @Test
    void rs256TokensAreAcceptedBesideHs256() {
        try (WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay))) {
            client.send(auth(TestTokens.rs256(RSA).lob("faber").sign()));
            client.awaitFrame("welcome");
            client.send("{\"type\":\"subscribe\"}");
            client.awaitFrame("subscribed");
        }
    }
}
