package io.notifyrelay.testkit;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Mints signed JWTs for tests. Each fluent call returns a new immutable spec, so a base spec can be shared:
 * <pre>{@code
 * var faber = TestTokens.hs256(SECRET).lob("faber");
 * String ok = faber.contacts(List.of("c-1")).sign();
 * String expired = faber.expiresIn(Duration.ofMinutes(-1)).sign();
 * String noExp = faber.without("exp").sign();
 * }</pre>
 * Claims: {@code lob} (string), {@code contacts} (array of strings, only if set), {@code iat} and {@code exp}
 * (default: now and now + 1 h), {@code nbf} if set, and any {@link TokenSpec#claim extra claim}.
 */
public final class TestTokens {

    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

    private TestTokens() {
    }

    /** HS256 with the UTF-8 bytes of {@code secret}, which must be at least 32 bytes (RFC 7518 §3.2). */
    public static TokenSpec hs256(String secret) {
        return hs256(Objects.requireNonNull(secret, "secret").getBytes(StandardCharsets.UTF_8));
    }

    public static TokenSpec hs256(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("HS256 needs a secret of at least 32 bytes (256 bits), got "
                    + secret.length);
        }
        byte[] copy = secret.clone();
        return new TokenSpec(JWSAlgorithm.HS256, () -> new MACSigner(copy), null, null, Map.of(), Set.of(),
                null, DEFAULT_LIFETIME, null, null);
    }

    /** RS256 with the private key of {@code keyPair} (RSA, at least 2048 bits). */
    public static TokenSpec rs256(KeyPair keyPair) {
        Objects.requireNonNull(keyPair, "keyPair");
        return new TokenSpec(JWSAlgorithm.RS256, () -> new RSASSASigner(keyPair.getPrivate()), null, null, Map.of(),
                Set.of(), null, DEFAULT_LIFETIME, null, null);
    }

    /** ES256 with the private key of {@code keyPair} (EC on P-256). */
    public static TokenSpec es256(KeyPair keyPair) {
        Objects.requireNonNull(keyPair, "keyPair");
        return new TokenSpec(JWSAlgorithm.ES256, () -> new ECDSASigner((ECPrivateKey) keyPair.getPrivate()), null, null,
                Map.of(), Set.of(), null, DEFAULT_LIFETIME, null, null);
    }

    /** A fresh EC key pair on P-256, for ES256. */
    public static KeyPair generateEcKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 not available", e);
        }
    }

    /** A fresh 2048-bit RSA key pair. */
    public static KeyPair generateRsaKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("RSA not available", e);
        }
    }

    /** The public key as PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo), as servers load it. */
    public static String publicKeyPem(PublicKey publicKey) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(publicKey.getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + base64 + "\n-----END PUBLIC KEY-----\n";
    }

    @FunctionalInterface
    private interface SignerFactory {
        JWSSigner create() throws JOSEException;
    }

    /** Immutable token description; {@link #sign()} renders it as a compact JWS. */
    public static final class TokenSpec {
        private final JWSAlgorithm algorithm;
        private final SignerFactory signer;
        private final String lob;
        private final List<String> contacts;
        private final Map<String, Object> extraClaims;
        private final Set<String> omitted;
        private final Instant issuedAt;
        private final Duration lifetime;
        private final Instant notBefore;
        private final String keyId;

        private TokenSpec(JWSAlgorithm algorithm, SignerFactory signer, String lob, List<String> contacts,
                          Map<String, Object> extraClaims, Set<String> omitted, Instant issuedAt, Duration lifetime,
                          Instant notBefore, String keyId) {
            this.algorithm = algorithm;
            this.signer = signer;
            this.lob = lob;
            this.contacts = contacts;
            this.extraClaims = extraClaims;
            this.omitted = omitted;
            this.issuedAt = issuedAt;
            this.lifetime = lifetime;
            this.notBefore = notBefore;
            this.keyId = keyId;
        }

        public TokenSpec lob(String lob) {
            return new TokenSpec(algorithm, signer, Objects.requireNonNull(lob, "lob"), contacts, extraClaims,
                    omitted, issuedAt, lifetime, notBefore, keyId);
        }

        public TokenSpec contacts(List<String> contacts) {
            return new TokenSpec(algorithm, signer, lob, List.copyOf(contacts), extraClaims, omitted, issuedAt,
                    lifetime, notBefore, keyId);
        }

        /** Lifetime from {@code iat}; negative for an already expired token. */
        public TokenSpec expiresIn(Duration lifetime) {
            return new TokenSpec(algorithm, signer, lob, contacts, extraClaims, omitted, issuedAt,
                    Objects.requireNonNull(lifetime, "lifetime"), notBefore, keyId);
        }

        public TokenSpec notBefore(Instant notBefore) {
            return new TokenSpec(algorithm, signer, lob, contacts, extraClaims, omitted, issuedAt, lifetime,
                    Objects.requireNonNull(notBefore, "notBefore"), keyId);
        }

        /** Fixes {@code iat} (default: the time of {@link #sign()}); {@code exp} follows it. */
        public TokenSpec issuedAt(Instant issuedAt) {
            return new TokenSpec(algorithm, signer, lob, contacts, extraClaims, omitted,
                    Objects.requireNonNull(issuedAt, "issuedAt"), lifetime, notBefore, keyId);
        }

        /** Adds a claim (or replaces a standard one, e.g. {@code claim("lob", 42)} for a wrongly typed claim). */
        public TokenSpec claim(String name, Object value) {
            Map<String, Object> claims = new LinkedHashMap<>(extraClaims);
            claims.put(Objects.requireNonNull(name, "name"), value);
            return new TokenSpec(algorithm, signer, lob, contacts, claims, omitted, issuedAt, lifetime, notBefore,
                    keyId);
        }

        /** Leaves a claim out, e.g. {@code without("exp")} to test that a token without expiry is rejected. */
        public TokenSpec without(String claimName) {
            Set<String> names = new HashSet<>(omitted);
            names.add(Objects.requireNonNull(claimName, "claimName"));
            return new TokenSpec(algorithm, signer, lob, contacts, extraClaims, Set.copyOf(names), issuedAt, lifetime,
                    notBefore, keyId);
        }

        /** Sets the {@code kid} header, for servers that pick keys from a JWKS. */
        public TokenSpec keyId(String keyId) {
            return new TokenSpec(algorithm, signer, lob, contacts, extraClaims, omitted, issuedAt, lifetime,
                    notBefore, Objects.requireNonNull(keyId, "keyId"));
        }

        public JWTClaimsSet claims() {
            Instant iat = Optional.ofNullable(issuedAt).orElseGet(Instant::now);
            Map<String, Object> claims = new LinkedHashMap<>();
            if (lob != null) {
                claims.put("lob", lob);
            }
            if (contacts != null) {
                claims.put("contacts", contacts);
            }
            // JWT NumericDates are whole seconds; Date with millis would be truncated by nimbus anyway
            claims.put("iat", Date.from(iat));
            claims.put("exp", Date.from(iat.plus(lifetime)));
            if (notBefore != null) {
                claims.put("nbf", Date.from(notBefore));
            }
            claims.putAll(extraClaims);
            omitted.forEach(claims::remove);

            JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder();
            claims.forEach(builder::claim);
            return builder.build();
        }

        /** The compact serialization {@code header.payload.signature}. */
        public String sign() {
            JWSHeader.Builder header = new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT);
            if (keyId != null) {
                header.keyID(keyId);
            }
            SignedJWT jwt = new SignedJWT(header.build(), claims());
            try {
                jwt.sign(signer.create());
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign test token: " + e.getMessage(), e);
            }
            return jwt.serialize();
        }
    }
}
