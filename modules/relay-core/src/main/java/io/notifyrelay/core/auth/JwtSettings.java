package io.notifyrelay.core.auth;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How the relay verifies its JWTs: the keys (any combination of an HS256 secret, an RS256/ES256 public key
 * and a JWKS URL) and the claims every token must satisfy. Checked on construction; messages say what to fix.
 *
 * @param hmacSecret   HS256 shared secret, at least 32 bytes; null for none
 * @param publicKeyPem RSA (RS256) or EC P-256 (ES256) public key as PEM; null for none
 * @param jwksUrl      JWK Set URL whose RSA (RS256) and EC P-256 (ES256) keys are accepted; null for none.
 *                     Must be https, except on a loopback host (tests, a sidecar)
 * @param jwksCacheTtl how long a fetched JWK Set is used before it is fetched again (it is refreshed in the
 *                     background ahead of that, and at once, rate-limited, when a token names an unknown
 *                     {@code kid})
 * @param issuer       required value of {@code iss}; null to not check it
 * @param audiences    accepted {@code aud} values (the token must name at least one); empty to not check it
 * @param clockSkew    tolerance for {@code exp} and {@code nbf}, 0 to {@link #MAX_CLOCK_SKEW}
 */
public record JwtSettings(byte[] hmacSecret, String publicKeyPem, URI jwksUrl, Duration jwksCacheTtl, String issuer,
                          Set<String> audiences, Duration clockSkew) {

    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    public static final Duration DEFAULT_JWKS_CACHE_TTL = Duration.ofMinutes(5);
    public static final int MIN_HMAC_SECRET_BYTES = 32;

    public JwtSettings {
        hmacSecret = hmacSecret == null ? null : hmacSecret.clone();
        audiences = audiences == null ? Set.of() : Set.copyOf(audiences);
        jwksCacheTtl = jwksCacheTtl == null ? DEFAULT_JWKS_CACHE_TTL : jwksCacheTtl;
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (hmacSecret == null && publicKeyPem == null && jwksUrl == null) {
            throw new IllegalArgumentException("no way to verify tokens: give an HS256 secret, a public key (RS256/ES256)"
                    + " or a JWKS URL");
        }
        if (hmacSecret != null && hmacSecret.length < MIN_HMAC_SECRET_BYTES) {
            throw new IllegalArgumentException("the HS256 secret must be at least " + MIN_HMAC_SECRET_BYTES
                    + " bytes (256 bits), got " + hmacSecret.length);
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("the clock skew must be between 0 and " + MAX_CLOCK_SKEW.toSeconds()
                    + " s, got " + clockSkew.toMillis() + " ms");
        }
        if (jwksUrl != null) {
            checkJwksUrl(jwksUrl);
        }
        if (jwksCacheTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the JWKS cache time-to-live must be at least 1 s");
        }
        if (issuer != null && issuer.isBlank()) {
            throw new IllegalArgumentException("the required issuer must not be blank");
        }
        if (audiences.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("an accepted audience must not be blank");
        }
    }

    /** Only the keys, no issuer or audience check: what {@link JwtTokenVerifier#create(byte[], String, Duration)} did. */
    public static JwtSettings keys(byte[] hmacSecret, String publicKeyPem, Duration clockSkew) {
        return new JwtSettings(hmacSecret, publicKeyPem, null, null, null, Set.of(), clockSkew);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public byte[] hmacSecret() {
        return hmacSecret == null ? null : hmacSecret.clone();
    }

    /** The secret is never shown. */
    @Override
    public String toString() {
        return "JwtSettings[hs256=" + (hmacSecret != null) + ", publicKey=" + (publicKeyPem != null) + ", jwksUrl="
                + jwksUrl + ", jwksCacheTtl=" + jwksCacheTtl + ", issuer=" + issuer + ", audiences=" + audiences
                + ", clockSkew=" + clockSkew + "]";
    }

    private static void checkJwksUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost();
        if (!url.isAbsolute() || host == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("the JWKS URL must be an absolute https:// URL, got '" + url + "'");
        }
        if (scheme.equals("http") && !isLoopback(host)) {
            throw new IllegalArgumentException("the JWKS URL must use https (keys fetched over plain http can be "
                    + "replaced by anyone on the path); http is only allowed for localhost, got '" + url + "'");
        }
    }

    private static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]") || h.equals("::1");
    }

    /** Fluent construction, mostly for tests; {@link #build()} validates. */
    public static final class Builder {
        private byte[] hmacSecret;
        private String publicKeyPem;
        private URI jwksUrl;
        private Duration jwksCacheTtl = DEFAULT_JWKS_CACHE_TTL;
        private String issuer;
        private Set<String> audiences = Set.of();
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;

        private Builder() {
        }

        public Builder hmacSecret(byte[] secret) {
            this.hmacSecret = secret;
            return this;
        }

        public Builder publicKeyPem(String pem) {
            this.publicKeyPem = pem;
            return this;
        }

        public Builder jwksUrl(URI url) {
            this.jwksUrl = url;
            return this;
        }

        public Builder jwksCacheTtl(Duration ttl) {
            this.jwksCacheTtl = ttl;
            return this;
        }

        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        public Builder audiences(Set<String> audiences) {
            this.audiences = audiences;
            return this;
        }

        public Builder audience(String audience) {
            this.audiences = Set.of(audience);
            return this;
        }

        public Builder clockSkew(Duration skew) {
            this.clockSkew = skew;
            return this;
        }

        public JwtSettings build() {
            return new JwtSettings(hmacSecret, publicKeyPem, jwksUrl, jwksCacheTtl, issuer, audiences, clockSkew);
        }
    }
}
