package io.notifyrelay.core.auth;

import static io.notifyrelay.core.auth.Jwts.claims;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.notifyrelay.testkit.JwksServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyPair;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keys from a JWKS URL, served by a real HTTP server: RS256 and ES256, unknown and rotated {@code kid}s, the cache
 * and its rate-limited refetch.
 */
class JwksVerificationTest {

    static final KeyPair RSA_1 = Jwts.rsa();
    static final KeyPair RSA_2 = Jwts.rsa();
    static final KeyPair EC_1 = Jwts.p256();

    private JwksServer jwks;
    private JwtTokenVerifier verifier;

    @AfterEach
    void stop() {
        if (verifier != null) {
            verifier.close();
        }
        if (jwks != null) {
            jwks.close();
        }
    }

    JwtTokenVerifier verifierFor(JwksServer server, Duration ttl) {
        verifier = JwtTokenVerifier.create(JwtSettings.builder().jwksUrl(server.url()).jwksCacheTtl(ttl).build());
        return verifier;
    }

    static String rejected(JwtTokenVerifier verifier, String token) {
        return assertThrows(AuthenticationException.class, () -> verifier.verify(token)).getMessage();
    }

    @Test
    void rs256AndEs256KeysAreBothUsedAndTheSetIsFetchedOnce() throws Exception {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"), JwksServer.jwk(EC_1, "ec-1"));
        JwtTokenVerifier verifier = verifierFor(jwks, Duration.ofMinutes(5));

        assertEquals("lob-a", verifier.verify(Jwts.rs256(RSA_1, "rsa-1", claims().build())).lobId());
        assertEquals("lob-b", verifier.verify(Jwts.es256(EC_1, "ec-1", claims().claim("lob", "lob-b").build())).lobId());
        assertEquals("lob-a", verifier.verify(Jwts.es256(EC_1, null, claims().build())).lobId(), "no kid: by key type");
        assertEquals(1, jwks.fetches(), "served from the cache after the start-up fetch");
    }

    @Test
    void unknownKidIsRejected() {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"));
        assertEquals("token signed with an unknown key (kid)",
                rejected(verifierFor(jwks, Duration.ofMinutes(5)), Jwts.rs256(RSA_2, "rsa-2", claims().build())));
    }

    @Test
    void knownKidWithABadSignatureIsRejected() {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"));
        assertEquals("token signature or algorithm not accepted",
                rejected(verifierFor(jwks, Duration.ofMinutes(5)), Jwts.rs256(RSA_2, "rsa-1", claims().build())));
    }

    @Test
    void kidOfAnRsaKeyWithAnEs256TokenIsRejected() {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "shared-kid"));
        rejected(verifierFor(jwks, Duration.ofMinutes(5)), Jwts.es256(EC_1, "shared-kid", claims().build()));
    }

    @Test
    void hs256KeyedWithTheJwksPublicKeyIsRejected() {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"));
        JwtTokenVerifier verifier = verifierFor(jwks, Duration.ofMinutes(5));
        rejected(verifier, Jwts.hs256(RSA_1.getPublic().getEncoded(), claims().build()));
        rejected(verifier, Jwts.hs256(JwksServer.jwk(RSA_1, "rsa-1").toJSONString().getBytes(), claims().build()));
    }

    @Test
    void weakRsaKeysInTheSetDoNotVerify() {
        KeyPair weak = Jwts.rsa(1024);
        jwks = new JwksServer(JwksServer.jwk(weak, "weak"));
        rejected(verifierFor(jwks, Duration.ofMinutes(5)), Jwts.sign(com.nimbusds.jose.JWSAlgorithm.RS256, "weak",
                claims().build(), new com.nimbusds.jose.crypto.RSASSASigner(weak.getPrivate(), true)));
    }

    @Test
    void claimsAreCheckedForJwksTokensToo() {
        jwks = new JwksServer(JwksServer.jwk(EC_1, "ec-1"));
        verifier = JwtTokenVerifier.create(JwtSettings.builder().jwksUrl(jwks.url()).issuer("https://id.example.com")
                .audience("notify-relay").build());
        assertEquals("token audience (aud) not accepted", rejected(verifier, Jwts.es256(EC_1, "ec-1",
                claims().issuer("https://id.example.com").audience("other").build())));
        assertEquals("token issuer (iss) not accepted", rejected(verifier, Jwts.es256(EC_1, "ec-1",
                claims().issuer("https://other.example.com").audience("notify-relay").build())));
    }

    /**
     * The identity provider rotates: the new key (new kid) replaces the old one. The first token signed with the new
     * key makes the relay fetch the set again, so it verifies at once; from then on the old key is gone.
     */
    @Test
    void rotatedKeyIsPickedUpAndTheRemovedOneStopsVerifying() throws Exception {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "2024-01"));
        JwtTokenVerifier verifier = verifierFor(jwks, Duration.ofMinutes(5));
        String oldToken = Jwts.rs256(RSA_1, "2024-01", claims().build());
        verifier.verify(oldToken);

        jwks.serve(JwksServer.jwk(EC_1, "2024-02"));
        assertEquals("lob-a", verifier.verify(Jwts.es256(EC_1, "2024-02", claims().build())).lobId());
        assertEquals(2, jwks.fetches(), "one refetch, for the unknown kid");

        assertEquals("token signed with an unknown key (kid)", rejected(verifier, oldToken));
    }

    /** During a rotation both keys are published; both verify. */
    @Test
    void overlappingKeysBothVerify() throws Exception {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "old"), JwksServer.jwk(RSA_2, "new"));
        JwtTokenVerifier verifier = verifierFor(jwks, Duration.ofMinutes(5));
        verifier.verify(Jwts.rs256(RSA_1, "old", claims().build()));
        verifier.verify(Jwts.rs256(RSA_2, "new", claims().build()));
    }

    /**
     * A key removed from the set without a new kid being seen stays usable until the cached set is refreshed: in
     * the background before its time-to-live runs out (RELAY_JWT_JWKS_CACHE_TTL, default 5 minutes).
     */
    @Test
    void removedKeyStopsVerifyingWhenTheCacheIsRefreshed() throws Exception {
        Duration ttl = Duration.ofSeconds(12);
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "k1"));
        long created = System.nanoTime();
        JwtTokenVerifier verifier = verifierFor(jwks, ttl);
        String token = Jwts.rs256(RSA_1, "k1", claims().build());

        jwks.serve(JwksServer.jwk(RSA_2, "k2"));
        verifier.verify(token); // still cached: the set is not fetched per token
        assertTrue(Duration.ofNanos(System.nanoTime() - created).compareTo(ttl.dividedBy(2)) < 0,
                "the test machine was too slow to observe the cached key");

        await("the background refresh drops k1").atMost(ttl.multipliedBy(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        verifier.verify(token);
                        return false;
                    } catch (AuthenticationException e) {
                        return true;
                    }
                });
        assertTrue(jwks.fetches() >= 2);
    }

    /** Made-up kids cannot make the relay hammer the identity provider: at most two fetches per interval. */
    @Test
    void unknownKidsTriggerARateLimitedRefetch() {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"));
        JwtTokenVerifier verifier = verifierFor(jwks, Duration.ofMinutes(5));
        for (int i = 0; i < 25; i++) {
            assertEquals("token signed with an unknown key (kid)",
                    rejected(verifier, Jwts.rs256(RSA_2, UUID.randomUUID().toString(), claims().build())));
        }
        assertEquals(2, jwks.fetches(), "the start-up fetch and one refetch");
    }

    /** Tokens a configured public key verifies never cost a JWKS fetch, however many there are. */
    @Test
    void aLocalKeyBesideTheJwksIsTriedFirst() throws Exception {
        jwks = new JwksServer(JwksServer.jwk(RSA_1, "rsa-1"));
        verifier = JwtTokenVerifier.create(JwtSettings.builder().jwksUrl(jwks.url()).jwksCacheTtl(Duration.ofMinutes(5))
                .publicKeyPem(Jwts.publicPem(EC_1)).build());
        for (int i = 0; i < 10; i++) {
            assertEquals("lob-a", verifier.verify(Jwts.es256(EC_1, null, claims().build())).lobId());
            assertEquals("lob-a", verifier.verify(Jwts.es256(EC_1, "idp-kid-" + i, claims().build())).lobId());
        }
        assertEquals("lob-a", verifier.verify(Jwts.rs256(RSA_1, "rsa-1", claims().build())).lobId());
        assertEquals(1, jwks.fetches());
        assertEquals("token has expired", rejected(verifier, Jwts.es256(EC_1, null,
                claims().expirationTime(java.util.Date.from(java.time.Instant.now().minusSeconds(600))).build())));
    }

    @Test
    void unreachableJwksRefusesTokensWithoutFailingStartUp() throws Exception {
        HttpServer closed = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = closed.getAddress().getPort();
        closed.stop(0);
        verifier = JwtTokenVerifier.create(JwtSettings.builder()
                .jwksUrl(URI.create("http://127.0.0.1:" + port + "/jwks.json")).build());
        assertEquals("token could not be verified: signing keys unavailable, retry later",
                rejected(verifier, Jwts.rs256(RSA_1, "rsa-1", claims().build())));
    }
}
