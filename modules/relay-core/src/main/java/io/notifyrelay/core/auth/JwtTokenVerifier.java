package io.notifyrelay.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.security.Key;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the relay's JWTs with nimbus-jose-jwt. Keys, from {@link JwtSettings}: an HS256 secret, an RS256 or
 * ES256 public key (PEM, type detected from the key), the RS256/ES256 keys of a JWKS URL; any combination. Each
 * key verifies only its own algorithm, so an HS256 token "signed" with a public key is refused, and {@code none}
 * and every other algorithm are refused outright.
 *
 * <p>Claims: {@code lob} (string) and {@code exp} are required; {@code nbf} is honoured; {@code iss} and
 * {@code aud} are checked when configured; {@code exp} and {@code nbf} allow the configured clock skew.
 * Optional {@code contacts} (array of strings) restricts the session to those contacts.
 *
 * <p>Every rejection is an {@link AuthenticationException} whose message is safe to send to the client: it
 * names the failed check, never a key, an expected value or a stack trace.
 */
public final class JwtTokenVerifier implements TokenVerifier, AutoCloseable {

    public static final String LOB_CLAIM = "lob";
    /** Optional: what else the token may do, e.g. {@code presence:read}. */
    public static final String SCOPE_CLAIM = "scope";
    public static final String CONTACTS_CLAIM = "contacts";

    /** What the JWKS may sign with. */
    static final Set<JWSAlgorithm> JWKS_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    private static final Logger log = LoggerFactory.getLogger(JwtTokenVerifier.class);
    private static final long KEY_SOURCE_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final List<Attempt> attempts;
    private final Set<JWSAlgorithm> acceptedAlgorithms;
    private final String requiredClaimList;
    private final JwksKeySource jwks;
    private final AtomicLong lastKeySourceWarning = new AtomicLong(System.nanoTime() - KEY_SOURCE_LOG_INTERVAL_NANOS);

    /**
     * One way to verify: the configured secret and public key first (no I/O), then the JWKS. Trying the JWKS only
     * when the local keys did not verify keeps tokens signed with a local key from triggering JWKS fetches.
     */
    private record Attempt(Set<JWSAlgorithm> algorithms, DefaultJWTProcessor<SecurityContext> processor, boolean jwks) {
    }

    private JwtTokenVerifier(List<Attempt> attempts, Set<String> requiredClaims, JwksKeySource jwks) {
        this.attempts = List.copyOf(attempts);
        Set<JWSAlgorithm> accepted = new LinkedHashSet<>();
        attempts.forEach(attempt -> accepted.addAll(attempt.algorithms()));
        this.acceptedAlgorithms = Set.copyOf(accepted);
        this.requiredClaimList = String.join(", ", requiredClaims);
        this.jwks = jwks;
    }

    /**
     * Keys only, no {@code iss}/{@code aud} checks.
     *
     * @param hmacSecret   HS256 shared secret (at least 32 bytes), or null
     * @param publicKeyPem RS256 (RSA) or ES256 (EC P-256) public key as PEM ({@code -----BEGIN PUBLIC KEY-----}),
     *                     or null
     * @param clockSkew    tolerance applied to {@code exp} and {@code nbf}, 0 to 5 minutes
     */
    public static JwtTokenVerifier create(byte[] hmacSecret, String publicKeyPem, Duration clockSkew) {
        return create(JwtSettings.keys(hmacSecret, publicKeyPem, clockSkew));
    }

    /**
     * Builds the verifier. With a JWKS URL the set is fetched once now; when that fails the verifier is still
     * returned (the identity provider may come up later) and the failure is logged.
     *
     * @throws IllegalArgumentException when a key cannot be used, with a message that says why
     */
    public static JwtTokenVerifier create(JwtSettings settings) {
        Set<String> required = new LinkedHashSet<>(List.of(LOB_CLAIM, "exp"));
        JWTClaimsSet exactMatch = null;
        if (settings.issuer() != null) {
            required.add("iss");
            exactMatch = new JWTClaimsSet.Builder().issuer(settings.issuer()).build();
        }
        Set<String> audiences = settings.audiences().isEmpty() ? null : new LinkedHashSet<>(settings.audiences());
        if (audiences != null) {
            required.add("aud");
        }
        ClaimsRule claims = new ClaimsRule(audiences, exactMatch, required, (int) settings.clockSkew().toSeconds());

        List<Attempt> attempts = new ArrayList<>();
        Set<JWSAlgorithm> local = new LinkedHashSet<>();
        byte[] secret = settings.hmacSecret();
        if (secret != null) {
            local.add(JWSAlgorithm.HS256);
        }
        PublicKeyPem publicKey = settings.publicKeyPem() == null ? null : PublicKeyPem.parse(settings.publicKeyPem());
        if (publicKey != null) {
            local.add(publicKey.algorithm());
        }
        if (!local.isEmpty()) {
            attempts.add(new Attempt(local, processor(new LocalKeys(secret, publicKey), claims), false));
        }
        JwksKeySource jwks = null;
        if (settings.jwksUrl() != null) {
            jwks = new JwksKeySource(settings.jwksUrl(), settings.jwksCacheTtl());
            attempts.add(new Attempt(JWKS_ALGORITHMS, processor(new StrongKeysOnly(
                    new JWSVerificationKeySelector<>(JWKS_ALGORITHMS, jwks.source())), claims), true));
        }

        JwtTokenVerifier verifier = new JwtTokenVerifier(attempts, required, jwks);
        if (jwks != null) {
            try {
                log.info("JWKS {}: {} key(s) fetched", jwks.url(), jwks.prefetch());
            } catch (KeySourceException e) {
                log.warn("JWKS {} could not be fetched yet ({}); tokens it signs are refused until it can",
                        jwks.url(), e.getMessage());
            }
        }
        return verifier;
    }

    private record ClaimsRule(Set<String> audiences, JWTClaimsSet exactMatch, Set<String> required, int skewSeconds) {
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSKeySelector<SecurityContext> keys,
                                                                  ClaimsRule rule) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        // typ may be absent, JWT, or at+jwt (RFC 9068 access tokens, as some identity providers issue them)
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                new JOSEObjectType("at+jwt"), null));
        processor.setJWSKeySelector(keys);
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                rule.audiences() == null ? null : new LinkedHashSet<>(rule.audiences()), rule.exactMatch(),
                new LinkedHashSet<>(rule.required()), null);
        claims.setMaxClockSkew(rule.skewSeconds());
        processor.setJWTClaimsSetVerifier(claims);
        return processor;
    }

    @Override
    public Principal verify(String token) throws AuthenticationException {
        if (token == null || token.isBlank()) {
            throw new AuthenticationException("token is missing");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw new AuthenticationException("token is not a JWT");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new AuthenticationException("token signature or algorithm not accepted"); // none, or encrypted
        }
        JWSAlgorithm algorithm = signed.getHeader().getAlgorithm();
        String failure = "token signature or algorithm not accepted";
        for (Attempt attempt : attempts) {
            if (!attempt.algorithms().contains(algorithm)) {
                continue;
            }
            try {
                return toPrincipal(attempt.processor().process(signed, null));
            } catch (BadJWTException e) {
                // the signature was good (nimbus checks it first) but the claims are not: no other key changes that
                throw new AuthenticationException(describe(e));
            } catch (BadJOSEException e) {
                failure = attempt.jwks() && noKeyFor(e) && signed.getHeader().getKeyID() != null
                        ? "token signed with an unknown key (kid)" : "token signature or algorithm not accepted";
            } catch (RateLimitReachedException e) {
                // the JWKS was fetched again very recently and still lacked the kid
                failure = "token signed with an unknown key (kid)";
            } catch (KeySourceException e) {
                warnKeySource(e);
                failure = "token could not be verified: signing keys unavailable, retry later";
            } catch (JOSEException e) {
                failure = "token could not be verified";
            } catch (RuntimeException e) {
                log.debug("Unexpected failure verifying a token", e);
                failure = "token is not a valid JWT";
            }
        }
        throw new AuthenticationException(failure);
    }

    /** Stops the JWKS refresh threads, if any. */
    @Override
    public void close() {
        if (jwks != null) {
            jwks.close();
        }
    }

    private static boolean noKeyFor(BadJOSEException e) {
        return e.getMessage() != null && e.getMessage().contains("no matching key");
    }

    private void warnKeySource(KeySourceException e) {
        long now = System.nanoTime();
        long last = lastKeySourceWarning.get();
        if (now - last >= KEY_SOURCE_LOG_INTERVAL_NANOS && lastKeySourceWarning.compareAndSet(last, now)) {
            log.warn("JWKS {} unavailable; tokens it signs are refused: {}", jwks == null ? "-" : jwks.url(),
                    e.toString());
        }
    }

    private String describe(BadJWTException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.contains("Expired")) {
            return "token has expired";
        }
        if (message.contains("before use time")) {
            return "token is not valid yet (nbf)";
        }
        if (message.contains("missing required")) {
            return "token lacks a required claim (" + requiredClaimList + ")";
        }
        if (message.contains("aud claim")) {
            return "token audience (aud) not accepted";
        }
        if (message.contains("iss claim")) {
            return "token issuer (iss) not accepted";
        }
        if (message.contains("claims set") || message.contains("Payload")) {
            return "token claims are not a JSON object";
        }
        return "token claims rejected";
    }

    /** Algorithms some configured key can verify. */
    public Set<JWSAlgorithm> acceptedAlgorithms() {
        return acceptedAlgorithms;
    }

    private static Principal toPrincipal(JWTClaimsSet claims) throws AuthenticationException {
        String lob;
        try {
            lob = claims.getStringClaim(LOB_CLAIM);
        } catch (ParseException e) {
            throw new AuthenticationException("claim lob must be a string");
        }
        if (lob == null || lob.isBlank()) {
            throw new AuthenticationException("claim lob must be a non-empty string");
        }
        Set<String> contacts = null;
        if (claims.getClaim(CONTACTS_CLAIM) != null) {
            try {
                List<String> list = claims.getStringListClaim(CONTACTS_CLAIM);
                if (list.contains(null)) {
                    throw new ParseException("contacts contains null", 0);
                }
                contacts = new LinkedHashSet<>(list);
            } catch (ParseException e) {
                throw new AuthenticationException("claim contacts must be an array of strings");
            }
        }
        return new Principal(lob, contacts, claims.getExpirationTime().toInstant(), scopes(claims.getClaim(SCOPE_CLAIM)));
    }

    /** OAuth's space-separated string or an array of strings; anything else grants nothing. At most 32 scopes. */
    private static Set<String> scopes(Object claim) {
        List<?> values = claim instanceof String text ? List.of(text.trim().split("\\s+"))
                : claim instanceof List<?> list ? list : List.of();
        Set<String> scopes = new LinkedHashSet<>();
        for (Object value : values) {
            if (value instanceof String scope && !scope.isBlank() && scopes.size() < 32) {
                scopes.add(scope);
            }
        }
        return scopes;
    }

    /** The configured secret for HS256 only, the configured public key for its own algorithm only. */
    private static final class LocalKeys implements JWSKeySelector<SecurityContext> {
        private final SecretKeySpec secret;
        private final PublicKeyPem publicKey;

        LocalKeys(byte[] secret, PublicKeyPem publicKey) {
            this.secret = secret == null ? null : new SecretKeySpec(secret, "HmacSHA256");
            this.publicKey = publicKey;
        }

        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) {
            JWSAlgorithm algorithm = header.getAlgorithm();
            if (secret != null && JWSAlgorithm.HS256.equals(algorithm)) {
                return List.of(secret);
            }
            if (publicKey != null && publicKey.algorithm().equals(algorithm)) {
                return List.of(publicKey.key()); // a static key has no kid to match: the token's kid is ignored
            }
            return List.of();
        }
    }

    /** The JWKS keys for the token's alg and kid, without RSA keys too weak to trust. */
    private static final class StrongKeysOnly implements JWSKeySelector<SecurityContext> {
        private final JWSKeySelector<SecurityContext> jwks;

        StrongKeysOnly(JWSKeySelector<SecurityContext> jwks) {
            this.jwks = jwks;
        }

        @Override
        public List<? extends Key> selectJWSKeys(JWSHeader header, SecurityContext context) throws KeySourceException {
            List<Key> keys = new ArrayList<>();
            for (Key key : jwks.selectJWSKeys(header, context)) {
                if (!(key instanceof RSAPublicKey rsa) || rsa.getModulus().bitLength() >= PublicKeyPem.MIN_RSA_BITS) {
                    keys.add(key);
                }
            }
            return keys;
        }
    }
}
