package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

class TestTokensTest {

    private static final String SECRET = "a-test-secret-that-is-at-least-32-bytes-long";

    @Test
    void hs256TokenVerifiesAndCarriesTheClaims() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String token = TestTokens.hs256(SECRET).lob("faber").contacts(List.of("c-1", "c-2")).sign();

        SignedJWT jwt = SignedJWT.parse(token);
        assertEquals(JWSAlgorithm.HS256, jwt.getHeader().getAlgorithm());
        assertEquals(JOSEObjectType.JWT, jwt.getHeader().getType());
        assertTrue(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8))));
        assertFalse(jwt.verify(new MACVerifier("another-secret-that-is-also-32-bytes-long!"
                .getBytes(StandardCharsets.UTF_8))), "a wrong secret must not verify");

        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertEquals("faber", claims.getStringClaim("lob"));
        assertEquals(List.of("c-1", "c-2"), claims.getStringListClaim("contacts"));
        Instant iat = claims.getIssueTime().toInstant();
        assertFalse(iat.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
        assertEquals(iat.plus(Duration.ofHours(1)), claims.getExpirationTime().toInstant(), "default lifetime 1 h");
        assertNull(claims.getNotBeforeTime());
    }

    @Test
    void rs256TokenVerifiesWithThePemPublicKey() throws Exception {
        KeyPair keys = TestTokens.generateRsaKeyPair();
        String pem = TestTokens.publicKeyPem(keys.getPublic());
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n"), pem);
        assertTrue(pem.endsWith("\n-----END PUBLIC KEY-----\n"), pem);
        assertTrue(pem.lines().allMatch(line -> line.length() <= 64), "PEM lines wrap at 64");

        String token = TestTokens.rs256(keys).lob("acme").keyId("k1").sign();

        SignedJWT jwt = SignedJWT.parse(token);
        assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
        assertEquals("k1", jwt.getHeader().getKeyID());
        assertTrue(jwt.verify(new RSASSAVerifier(parsePem(pem))));
        assertFalse(jwt.verify(new RSASSAVerifier((RSAPublicKey) TestTokens.generateRsaKeyPair().getPublic())));
        assertEquals("acme", jwt.getJWTClaimsSet().getStringClaim("lob"));
        assertNull(jwt.getJWTClaimsSet().getClaim("contacts"), "contacts only when set");
    }

    @Test
    void lifetimeNotBeforeExtraAndOmittedClaims() throws Exception {
        Instant iat = Instant.parse("2030-01-01T00:00:00Z");
        var base = TestTokens.hs256(SECRET).lob("faber").issuedAt(iat);

        JWTClaimsSet expired = claims(base.expiresIn(Duration.ofMinutes(-5)).sign());
        assertEquals(Date.from(iat.minusSeconds(300)), expired.getExpirationTime());

        JWTClaimsSet custom = claims(base.notBefore(iat.plusSeconds(60)).claim("sub", "user-1").claim("lob", 42).sign());
        assertEquals(Date.from(iat.plusSeconds(60)), custom.getNotBeforeTime());
        assertEquals("user-1", custom.getSubject());
        assertEquals(42L, custom.getLongClaim("lob"), "claim() replaces a standard claim, e.g. to test a wrong type");

        JWTClaimsSet noExp = claims(base.without("exp").sign());
        assertNull(noExp.getExpirationTime());
        assertEquals("faber", noExp.getStringClaim("lob"));

        assertNull(claims(base.sign()).getNotBeforeTime(), "the base spec is unchanged by derived specs");
    }

    @Test
    void shortHmacSecretIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestTokens.hs256("short"));
        assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    }

    private static JWTClaimsSet claims(String token) throws Exception {
        return SignedJWT.parse(token).getJWTClaimsSet();
    }

    private static RSAPublicKey parsePem(String pem) throws Exception {
        String base64 = pem.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        return (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
