package io.notifyrelay.core.auth;

import static io.notifyrelay.core.auth.Jwts.claims;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.SignedJWT;
import io.notifyrelay.core.pem.Pem;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link JwtTokenVerifier} built from {@link JwtSettings}: every algorithm, every claim check, every failure. */
class TokenVerificationTest {

    static final byte[] SECRET = "an-hs256-secret-of-at-least-32-bytes!!".getBytes(UTF_8);
    static final KeyPair RSA = Jwts.rsa();
    static final KeyPair OTHER_RSA = Jwts.rsa();
    static final KeyPair EC = Jwts.p256();
    static final KeyPair OTHER_EC = Jwts.p256();
    static final String ISSUER = "https://id.example.com/realms/notify";
    static final String AUDIENCE = "notify-relay";

    static JwtTokenVerifier verifier(JwtSettings.Builder settings) {
        return JwtTokenVerifier.create(settings.build());
    }

    static JwtSettings.Builder es256Key() {
        return JwtSettings.builder().publicKeyPem(Jwts.publicPem(EC));
    }

    static String rejected(JwtTokenVerifier verifier, String token) {
        return assertThrows(AuthenticationException.class, () -> verifier.verify(token)).getMessage();
    }

    static Date in(Duration fromNow) {
        return Date.from(Instant.now().plus(fromNow));
    }

    @Nested
    class Algorithms {

        @Test
        void hs256WithTheSecret() throws Exception {
            JwtTokenVerifier verifier = verifier(JwtSettings.builder().hmacSecret(SECRET));
            assertEquals("lob-a", verifier.verify(Jwts.hs256(SECRET, claims().build())).lobId());
            assertEquals(Set.of(JWSAlgorithm.HS256), verifier.acceptedAlgorithms());
        }

        @Test
        void rs256WithAnRsaPem() throws Exception {
            JwtTokenVerifier verifier = verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA)));
            assertEquals("lob-a", verifier.verify(Jwts.rs256(RSA, null, claims().build())).lobId());
            assertEquals(Set.of(JWSAlgorithm.RS256), verifier.acceptedAlgorithms());
        }

        @Test
        void es256WithAnEcPem() throws Exception {
            JwtTokenVerifier verifier = verifier(es256Key());
            Principal principal = verifier.verify(Jwts.es256(EC, null, claims().claim("contacts", List.of("c1")).build()));
            assertEquals("lob-a", principal.lobId());
            assertEquals(Set.of("c1"), principal.allowedContacts());
            assertEquals(Set.of(JWSAlgorithm.ES256), verifier.acceptedAlgorithms());
        }

        /** A static key has no kid to match: a token that names one (as identity providers' tokens do) still verifies. */
        @Test
        void aPemKeyIgnoresTheTokensKid() throws Exception {
            assertEquals("lob-a", verifier(es256Key()).verify(Jwts.es256(EC, "some-kid", claims().build())).lobId());
        }

        /** Identity providers often publish their signing certificate: its key is used (validity is not checked). */
        @Test
        void es256WithTheKeyOfACertificatePem(@TempDir Path dir) throws Exception {
            KeyStore store = Keytool.selfSigned(dir, "EC", "CN=id.example.com");
            Certificate certificate = store.getCertificate("key");
            PrivateKey key = (PrivateKey) store.getKey("key", Keytool.PASSWORD.toCharArray());
            KeyPair pair = new KeyPair(certificate.getPublicKey(), key);
            JwtTokenVerifier verifier = verifier(JwtSettings.builder()
                    .publicKeyPem(Pem.encode("CERTIFICATE", certificate.getEncoded())));
            assertEquals("lob-a", verifier.verify(Jwts.es256(pair, null, claims().build())).lobId());
            rejected(verifier, Jwts.es256(EC, null, claims().build()));
        }

        @Test
        void garbageCertificatePemIsRefusedCleanly() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> verifier(JwtSettings.builder()
                    .publicKeyPem(Pem.encode("CERTIFICATE", EC.getPublic().getEncoded()))));
            assertTrue(e.getMessage().contains("certificate"), e.getMessage());
        }

        @Test
        void es256TokenSignedByAnotherEcKeyIsRejected() {
            assertEquals("token signature or algorithm not accepted",
                    rejected(verifier(es256Key()), Jwts.es256(OTHER_EC, null, claims().build())));
        }

        @Test
        void rs256TokenIsRejectedWhenOnlyAnEs256KeyIsConfigured() {
            assertEquals("token signature or algorithm not accepted",
                    rejected(verifier(es256Key()), Jwts.rs256(RSA, null, claims().build())));
        }

        @Test
        void es256TokenIsRejectedWhenOnlyAnRs256KeyIsConfigured() {
            rejected(verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))), Jwts.es256(EC, null, claims().build()));
        }

        @Test
        void everyKindTogether() throws Exception {
            JwtTokenVerifier verifier = verifier(JwtSettings.builder().hmacSecret(SECRET).publicKeyPem(Jwts.publicPem(EC)));
            assertEquals("lob-a", verifier.verify(Jwts.hs256(SECRET, claims().build())).lobId());
            assertEquals("lob-b", verifier.verify(Jwts.es256(EC, null, claims().claim("lob", "lob-b").build())).lobId());
            rejected(verifier, Jwts.rs256(RSA, null, claims().build()));
        }

        @Test
        void rs256TokenWithAnRs512HeaderIsRejected() throws Exception {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS512), claims().build());
            jwt.sign(new RSASSASigner(RSA.getPrivate()));
            rejected(verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))), jwt.serialize());
        }

        @Test
        void accessTokenTypeIsAccepted() throws Exception {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt"))
                    .build(), claims().build());
            jwt.sign(new RSASSASigner(RSA.getPrivate()));
            verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))).verify(jwt.serialize());
        }

        @Test
        void otherTokenTypesAreRejected() throws Exception {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("secevent+jwt"))
                    .build(), claims().build());
            jwt.sign(new RSASSASigner(RSA.getPrivate()));
            rejected(verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))), jwt.serialize());
        }
    }

    /** HS256 tokens keyed with public key material must never verify, whatever else is configured. */
    @Nested
    class AlgorithmConfusion {

        @Test
        void hs256KeyedWithTheRsaPemIsRejected() {
            String token = Jwts.hs256(Jwts.publicPem(RSA).getBytes(UTF_8), claims().build());
            assertEquals("token signature or algorithm not accepted",
                    rejected(verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))), token));
        }

        @Test
        void hs256KeyedWithTheRsaDerIsRejected() {
            String token = Jwts.hs256(RSA.getPublic().getEncoded(), claims().build());
            rejected(verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(RSA))), token);
        }

        @Test
        void hs256KeyedWithTheEcPemIsRejectedEvenWithAnHs256SecretConfigured() {
            String token = Jwts.hs256(Jwts.publicPem(EC).getBytes(UTF_8), claims().build());
            rejected(verifier(es256Key().hmacSecret(SECRET)), token);
        }

        @Test
        void unsignedTokenIsRejected() {
            String token = new com.nimbusds.jwt.PlainJWT(claims().build()).serialize();
            rejected(verifier(es256Key()), token);
        }
    }

    @Nested
    class Times {

        @Test
        void expiredBeyondTheSkewIsRejected() {
            String token = Jwts.es256(EC, null, claims().expirationTime(in(Duration.ofSeconds(-45))).build());
            assertEquals("token has expired", rejected(verifier(es256Key().clockSkew(Duration.ofSeconds(30))), token));
        }

        @Test
        void expiredWithinTheSkewIsAccepted() throws Exception {
            String token = Jwts.es256(EC, null, claims().expirationTime(in(Duration.ofSeconds(-15))).build());
            verifier(es256Key().clockSkew(Duration.ofSeconds(30))).verify(token);
        }

        @Test
        void notBeforeInTheFutureIsRejected() {
            String token = Jwts.es256(EC, null, claims().notBeforeTime(in(Duration.ofSeconds(120))).build());
            assertEquals("token is not valid yet (nbf)", rejected(verifier(es256Key()), token));
        }

        @Test
        void notBeforeWithinTheSkewIsAccepted() throws Exception {
            String token = Jwts.es256(EC, null, claims().notBeforeTime(in(Duration.ofSeconds(10))).build());
            verifier(es256Key().clockSkew(Duration.ofSeconds(30))).verify(token);
        }

        @Test
        void negativeSkewIsRefused() {
            assertThrows(IllegalArgumentException.class, () -> es256Key().clockSkew(Duration.ofSeconds(-1)).build());
        }

        @Test
        void skewIsCappedAtFiveMinutes() {
            es256Key().clockSkew(JwtSettings.MAX_CLOCK_SKEW).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> es256Key().clockSkew(JwtSettings.MAX_CLOCK_SKEW.plusSeconds(1)).build());
            assertTrue(e.getMessage().contains("clock skew"), e.getMessage());
        }

        @Test
        void aFiveMinuteSkewStillRejectsAnOlderToken() {
            String token = Jwts.es256(EC, null, claims().expirationTime(in(Duration.ofMinutes(-6))).build());
            assertEquals("token has expired", rejected(verifier(es256Key().clockSkew(JwtSettings.MAX_CLOCK_SKEW)), token));
        }
    }

    @Nested
    class IssuerAndAudience {

        JwtTokenVerifier checking() {
            return verifier(es256Key().issuer(ISSUER).audience(AUDIENCE));
        }

        @Test
        void matchingIssuerAndAudienceAreAccepted() throws Exception {
            checking().verify(Jwts.es256(EC, null, claims().issuer(ISSUER).audience(AUDIENCE).build()));
        }

        @Test
        void audienceMayBeOneOfSeveral() throws Exception {
            checking().verify(Jwts.es256(EC, null, claims().issuer(ISSUER).audience(List.of("account", AUDIENCE)).build()));
        }

        @Test
        void anyOfSeveralAcceptedAudiences() throws Exception {
            verifier(es256Key().audiences(Set.of("relay-eu", "relay-us")))
                    .verify(Jwts.es256(EC, null, claims().audience("relay-us").build()));
        }

        @Test
        void wrongAudienceIsRejected() {
            String message = rejected(checking(), Jwts.es256(EC, null, claims().issuer(ISSUER).audience("billing").build()));
            assertEquals("token audience (aud) not accepted", message);
            assertFalse(message.contains(AUDIENCE), "the expected value is not disclosed");
        }

        @Test
        void wrongIssuerIsRejected() {
            String message = rejected(checking(), Jwts.es256(EC, null,
                    claims().issuer("https://evil.example.com").audience(AUDIENCE).build()));
            assertEquals("token issuer (iss) not accepted", message);
            assertFalse(message.contains(ISSUER), "the expected value is not disclosed");
        }

        @Test
        void missingIssuerIsRejected() {
            assertEquals("token lacks a required claim (lob, exp, iss, aud)",
                    rejected(checking(), Jwts.es256(EC, null, claims().audience(AUDIENCE).build())));
        }

        @Test
        void missingAudienceIsRejected() {
            assertEquals("token lacks a required claim (lob, exp, iss, aud)",
                    rejected(checking(), Jwts.es256(EC, null, claims().issuer(ISSUER).build())));
        }

        @Test
        void notCheckedWhenNotConfigured() throws Exception {
            verifier(es256Key()).verify(Jwts.es256(EC, null, claims().issuer("anyone").audience("anything").build()));
        }

        @Test
        void badSignatureIsReportedBeforeClaims() {
            String token = Jwts.es256(OTHER_EC, null, claims().issuer("wrong").audience("wrong").build());
            assertEquals("token signature or algorithm not accepted", rejected(checking(), token));
        }
    }

    @Nested
    class Settings {

        @Test
        void noKeyAtAll() {
            assertThrows(IllegalArgumentException.class, () -> JwtSettings.builder().build());
        }

        @Test
        void weakRsaKeyIsRefused() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> verifier(JwtSettings.builder().publicKeyPem(Jwts.publicPem(Jwts.rsa(1024)))));
            assertTrue(e.getMessage().contains("2048"), e.getMessage());
        }

        @Test
        void privateKeyInsteadOfPublicKeyIsRefusedWithAHint() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> verifier(JwtSettings.builder()
                    .publicKeyPem(Pem.encode("PRIVATE KEY", EC.getPrivate().getEncoded()))));
            assertTrue(e.getMessage().contains("openssl pkey"), e.getMessage());
        }

        @Test
        void jwksOverPlainHttpIsOnlyAllowedForLoopback() {
            JwtSettings.builder().jwksUrl(URI.create("http://127.0.0.1:1/jwks")).build();
            JwtSettings.builder().jwksUrl(URI.create("http://localhost:1/jwks")).build();
            JwtSettings.builder().jwksUrl(URI.create("https://id.example.com/jwks")).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JwtSettings.builder().jwksUrl(URI.create("http://id.example.com/jwks")).build());
            assertTrue(e.getMessage().contains("https"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> JwtSettings.builder().jwksUrl(URI.create("file:///etc/jwks.json")).build());
        }

        @Test
        void theSecretIsNotInToString() {
            JwtSettings settings = JwtSettings.builder().hmacSecret(SECRET).build();
            assertFalse(settings.toString().contains(new String(SECRET, UTF_8)));
        }

        @Test
        void blankIssuerOrAudienceIsRefused() {
            assertThrows(IllegalArgumentException.class, () -> es256Key().issuer(" ").build());
            assertThrows(IllegalArgumentException.class, () -> es256Key().audience("").build());
        }
    }
}
