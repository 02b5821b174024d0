package io.notifyrelay.core.auth;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JwtTokenVerifierTest {

    private static final byte[] SECRET = "an-hs256-secret-of-at-least-32-bytes!!".getBytes(UTF_8);
    private static final byte[] OTHER_SECRET = "another-hs256-secret-of-32-bytes-or-more".getBytes(UTF_8);
    private static final Duration SKEW = Duration.ofSeconds(30);

    private static KeyPair rsa;
    private static KeyPair otherRsa;

    @BeforeAll
    static void generateKeys() throws NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        rsa = generator.generateKeyPair();
        otherRsa = generator.generateKeyPair();
    }

    static String pem(KeyPair keyPair) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(keyPair.getPublic().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    static Instant now() {
        return Instant.now();
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .subject("user-1")
                .claim("lob", "lob-a")
                .expirationTime(Date.from(now().plusSeconds(600)));
    }

    static String hs256(JWTClaimsSet claims, byte[] secret) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    static String hs256(JWTClaimsSet claims) throws JOSEException {
        return hs256(claims, SECRET);
    }

    static String rs256(JWTClaimsSet claims, KeyPair keyPair) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner(keyPair.getPrivate()));
        return jwt.serialize();
    }

    static JwtTokenVerifier hmacOnly() {
        return JwtTokenVerifier.create(SECRET, null, SKEW);
    }

    static AuthenticationException rejects(JwtTokenVerifier verifier, String token) {
        return assertThrows(AuthenticationException.class, () -> verifier.verify(token));
    }

    @Nested
    class Hs256 {

        @Test
        void goodTokenGivesThePrincipal() throws Exception {
            Instant exp = now().plusSeconds(600);
            String token = hs256(claims().expirationTime(Date.from(exp)).claim("contacts", List.of("c1", "c2")).build());

            Principal principal = hmacOnly().verify(token);

            assertEquals("lob-a", principal.lobId());
            assertEquals(Set.of("c1", "c2"), principal.allowedContacts());
            assertTrue(principal.restrictedToContacts());
            // JWT times have second precision
            assertEquals(exp.getEpochSecond(), principal.expiresAt().getEpochSecond());
        }

        @Test
        void scopeClaimIsReadAsOAuthSpaceSeparatedStringOrArray() throws Exception {
            assertEquals(Set.of("presence:read", "other"), hmacOnly().verify(hs256(claims()
                    .claim("scope", " presence:read  other ").build())).scopes());
            assertTrue(hmacOnly().verify(hs256(claims().claim("scope", List.of("presence:read")).build()))
                    .hasScope(Principal.PRESENCE_READ));
            assertEquals(Set.of(), hmacOnly().verify(hs256(claims().claim("scope", 7).build())).scopes());
            assertFalse(hmacOnly().verify(hs256(claims().build())).hasScope(Principal.PRESENCE_READ));
        }

        @Test
        void tokenWithoutContactsIsNotRestricted() throws Exception {
            Principal principal = hmacOnly().verify(hs256(claims().build()));
            assertNull(principal.allowedContacts());
            assertFalse(principal.restrictedToContacts());
            assertTrue(principal.mayReceive("anyone"));
        }

        @Test
        void emptyContactsRestrictsToNobody() throws Exception {
            Principal principal = hmacOnly().verify(hs256(claims().claim("contacts", List.of()).build()));
            assertTrue(principal.restrictedToContacts());
            assertFalse(principal.mayReceive("c1"));
        }

        @Test
        void badSignatureIsRejected() throws Exception {
            AuthenticationException e = rejects(hmacOnly(), hs256(claims().build(), OTHER_SECRET));
            assertEquals("token signature or algorithm not accepted", e.getMessage());
        }

        @Test
        void tamperedClaimsAreRejected() throws Exception {
            String token = hs256(claims().build());
            String[] parts = token.split("\\.");
            String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    new String(Base64.getUrlDecoder().decode(parts[1]), UTF_8).replace("lob-a", "lob-b").getBytes(UTF_8));
            rejects(hmacOnly(), parts[0] + "." + forged + "." + parts[2]);
        }

        @Test
        void otherHmacAlgorithmsAreNotAccepted() throws Exception {
            byte[] longSecret = Arrays.copyOf(SECRET, 64);
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), claims().build());
            jwt.sign(new MACSigner(longSecret));
            rejects(JwtTokenVerifier.create(longSecret, null, SKEW), jwt.serialize());
        }

        @Test
        void unsecuredTokenIsRejected() {
            String token = new PlainJWT(claims().build()).serialize();
            rejects(hmacOnly(), token);
        }

        @Test
        void stripingTheSignatureDoesNotHelp() throws Exception {
            String token = hs256(claims().build());
            rejects(hmacOnly(), token.substring(0, token.lastIndexOf('.') + 1));
        }
    }

    @Nested
    class Times {

        @Test
        void expiredBeyondTheClockSkewIsRejected() throws Exception {
            String token = hs256(claims().expirationTime(Date.from(now().minusSeconds(120))).build());
            assertEquals("token has expired", rejects(hmacOnly(), token).getMessage());
        }

        @Test
        void expiredWithinTheClockSkewIsAccepted() throws Exception {
            String token = hs256(claims().expirationTime(Date.from(now().minusSeconds(10))).build());
            assertEquals("lob-a", hmacOnly().verify(token).lobId());
        }

        @Test
        void zeroSkewRejectsAJustExpiredToken() throws Exception {
            String token = hs256(claims().expirationTime(Date.from(now().minusSeconds(5))).build());
            rejects(JwtTokenVerifier.create(SECRET, null, Duration.ZERO), token);
        }

        @Test
        void notBeforeInTheFutureIsRejected() throws Exception {
            String token = hs256(claims().notBeforeTime(Date.from(now().plusSeconds(300))).build());
            assertEquals("token is not valid yet (nbf)", rejects(hmacOnly(), token).getMessage());
        }

        @Test
        void notBeforeWithinTheClockSkewIsAccepted() throws Exception {
            String token = hs256(claims().notBeforeTime(Date.from(now().plusSeconds(10))).build());
            hmacOnly().verify(token);
        }

        @Test
        void missingExpIsRejected() throws Exception {
            String token = hs256(new JWTClaimsSet.Builder().claim("lob", "lob-a").build());
            assertEquals("token lacks a required claim (lob, exp)", rejects(hmacOnly(), token).getMessage());
        }
    }

    @Nested
    class Claims {

        @Test
        void missingLobIsRejected() throws Exception {
            String token = hs256(new JWTClaimsSet.Builder().expirationTime(Date.from(now().plusSeconds(60))).build());
            assertEquals("token lacks a required claim (lob, exp)", rejects(hmacOnly(), token).getMessage());
        }

        @Test
        void lobThatIsNotAStringIsRejected() throws Exception {
            String token = hs256(claims().claim("lob", 42).build());
            assertEquals("claim lob must be a string", rejects(hmacOnly(), token).getMessage());
        }

        @Test
        void lobThatIsAnArrayIsRejected() throws Exception {
            rejects(hmacOnly(), hs256(claims().claim("lob", List.of("lob-a")).build()));
        }

        @Test
        void blankLobIsRejected() throws Exception {
            rejects(hmacOnly(), hs256(claims().claim("lob", " ").build()));
        }

        @Test
        void contactsThatIsAStringIsRejected() throws Exception {
            AuthenticationException e = rejects(hmacOnly(), hs256(claims().claim("contacts", "c1").build()));
            assertEquals("claim contacts must be an array of strings", e.getMessage());
        }

        @Test
        void contactsWithNonStringsIsRejected() throws Exception {
            AuthenticationException e = rejects(hmacOnly(), hs256(claims().claim("contacts", List.of("c1", 2)).build()));
            assertEquals("claim contacts must be an array of strings", e.getMessage());
        }

        /** verify() promises an AuthenticationException for any unacceptable token, never a runtime exception. */
        @Test
        void contactsWithANullElementIsRejected() throws Exception {
            String token = hs256(JWTClaimsSet.parse("{\"lob\":\"lob-a\",\"exp\":" + now().plusSeconds(600).getEpochSecond()
                    + ",\"contacts\":[\"c1\",null]}"));
            assertThrows(AuthenticationException.class, () -> hmacOnly().verify(token));
        }

        @Test
        void missingOrBlankTokenIsRejected() {
            assertEquals("token is missing", rejects(hmacOnly(), null).getMessage());
            assertEquals("token is missing", rejects(hmacOnly(), "").getMessage());
            assertEquals("token is missing", rejects(hmacOnly(), "  ").getMessage());
        }

        @Test
        void garbageIsRejected() {
            rejects(hmacOnly(), "not-a-jwt");
            rejects(hmacOnly(), "a.b.c");
            rejects(hmacOnly(), "....");
        }
    }

    @Nested
    class Rs256 {

        @Test
        void tokenVerifiedWithAPemPublicKey() throws Exception {
            JwtTokenVerifier verifier = JwtTokenVerifier.create(null, pem(rsa), SKEW);
            Principal principal = verifier.verify(rs256(claims().claim("contacts", List.of("c9")).build(), rsa));
            assertEquals("lob-a", principal.lobId());
            assertEquals(Set.of("c9"), principal.allowedContacts());
        }

        @Test
        void pemWithoutLineBreaksOrWithCrLfIsRead() throws Exception {
            String oneLine = pem(rsa).replace("\n", "");
            String crlf = pem(rsa).replace("\n", "\r\n");
            String token = rs256(claims().build(), rsa);
            JwtTokenVerifier.create(null, oneLine, SKEW).verify(token);
            JwtTokenVerifier.create(null, crlf, SKEW).verify(token);
        }

        @Test
        void tokenSignedByAnotherKeyIsRejected() throws Exception {
            rejects(JwtTokenVerifier.create(null, pem(rsa), SKEW), rs256(claims().build(), otherRsa));
        }

        @Test
        void hs256TokenIsRejectedWhenOnlyRs256IsConfigured() throws Exception {
            AuthenticationException e = rejects(JwtTokenVerifier.create(null, pem(rsa), SKEW), hs256(claims().build()));
            assertEquals("token signature or algorithm not accepted", e.getMessage());
        }

        /** The classic key-confusion attack: HS256 "signed" with the RSA public key as the HMAC secret. */
        @Test
        void hs256TokenKeyedWithThePublicKeyIsRejected() throws Exception {
            String token = hs256(claims().build(), pem(rsa).getBytes(UTF_8));
            rejects(JwtTokenVerifier.create(null, pem(rsa), SKEW), token);
        }

        @Test
        void rs256TokenIsRejectedWhenOnlyHs256IsConfigured() throws Exception {
            rejects(hmacOnly(), rs256(claims().build(), rsa));
        }

        @Test
        void bothKindsAreAcceptedWhenBothAreConfigured() throws Exception {
            JwtTokenVerifier verifier = JwtTokenVerifier.create(SECRET, pem(rsa), SKEW);
            assertEquals("lob-a", verifier.verify(hs256(claims().build())).lobId());
            assertEquals("lob-b", verifier.verify(rs256(claims().claim("lob", "lob-b").build(), rsa)).lobId());
        }

        @Test
        void expiredRs256TokenSaysExpiredEvenWhenHs256IsTriedFirst() throws Exception {
            JwtTokenVerifier verifier = JwtTokenVerifier.create(SECRET, pem(rsa), SKEW);
            String token = rs256(claims().expirationTime(Date.from(now().minusSeconds(600))).build(), rsa);
            assertEquals("token has expired", rejects(verifier, token).getMessage());
        }
    }

    @Nested
    class Creation {

        @Test
        void secretShorterThan32BytesIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.create(new byte[31], null, SKEW));
            assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.create(new byte[0], null, SKEW));
        }

        @Test
        void secretOfExactly32BytesIsAccepted() throws Exception {
            byte[] secret = Arrays.copyOf(SECRET, 32);
            assertEquals("lob-a", JwtTokenVerifier.create(secret, null, SKEW).verify(hs256(claims().build(), secret)).lobId());
        }

        @Test
        void noKeyAtAllIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.create(null, null, SKEW));
        }

        @Test
        void garbagePublicKeyIsRejected() {
            assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.create(null, "not a key", SKEW));
            assertThrows(IllegalArgumentException.class, () -> JwtTokenVerifier.create(null,
                    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", SKEW));
        }

        /** EC keys are accepted for ES256, which is P-256 only. */
        @Test
        void ecPublicKeyOnAnotherCurveIsRejected() throws Exception {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(384);
            String ecPem = pem(ec.generateKeyPair());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> JwtTokenVerifier.create(null, ecPem, SKEW));
            assertTrue(e.getMessage().contains("P-256"), e.getMessage());
        }
    }
}
