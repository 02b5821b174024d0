package io.notifyrelay.app;

import io.notifyrelay.core.auth.JwtSettings;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.tls.ServerTls;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads and checks the token and TLS settings for {@link ConfigLoader}: the JWKS URL, the required issuer and
 * audiences, the expiry warning and refresh grace, and the TLS key material (loaded once here, so a wrong path,
 * password or key shows up with the other configuration problems).
 */
final class SecurityOptions {

    private final Function<ConfigOption, String> string;
    private final Function<ConfigOption, Duration> duration;
    private final List<String> problems;

    SecurityOptions(Function<ConfigOption, String> string, Function<ConfigOption, Duration> duration,
                    List<String> problems) {
        this.string = string;
        this.duration = duration;
        this.problems = problems;
    }

    /** The JWKS URL, or null when not set; an unusable URL is a problem. */
    RelayConfig.Jwks jwks() {
        Duration ttl = duration.apply(ConfigOption.JWT_JWKS_CACHE_TTL);
        if (ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofHours(24)) > 0) {
            problems.add(ConfigOption.JWT_JWKS_CACHE_TTL.envName() + " must be between 10s and 24h, got " + ttl);
        }
        String text = string.apply(ConfigOption.JWT_JWKS_URL);
        if (text == null) {
            return new RelayConfig.Jwks(null, ttl);
        }
        URI url;
        try {
            url = new URI(text);
            JwtSettings.builder().jwksUrl(url).build(); // the scheme and host rules live with the verifier
        } catch (URISyntaxException e) {
            problems.add(ConfigOption.JWT_JWKS_URL.envName() + " is not a URL: '" + text + "'");
            return new RelayConfig.Jwks(null, ttl);
        } catch (IllegalArgumentException e) {
            problems.add(ConfigOption.JWT_JWKS_URL.envName() + ": " + e.getMessage());
            return new RelayConfig.Jwks(null, ttl);
        }
        return new RelayConfig.Jwks(url, ttl);
    }

    RelayConfig.RequiredClaims requiredClaims() {
        String issuer = string.apply(ConfigOption.JWT_ISSUER);
        Set<String> audiences = new LinkedHashSet<>();
        String audienceText = string.apply(ConfigOption.JWT_AUDIENCE);
        if (audienceText != null) {
            for (String audience : audienceText.split(",")) {
                if (!audience.isBlank()) {
                    audiences.add(audience.trim());
                }
            }
            if (audiences.isEmpty()) {
                problems.add(ConfigOption.JWT_AUDIENCE.envName() + " must name at least one audience, got '"
                        + audienceText + "'");
            }
        }
        return new RelayConfig.RequiredClaims(issuer, audiences);
    }

    Duration clockSkew() {
        Duration skew = duration.apply(ConfigOption.JWT_CLOCK_SKEW);
        if (skew.isNegative() || skew.compareTo(JwtSettings.MAX_CLOCK_SKEW) > 0) {
            problems.add(ConfigOption.JWT_CLOCK_SKEW.envName() + " must be between 0s and "
                    + JwtSettings.MAX_CLOCK_SKEW.toMinutes() + "m (a larger skew keeps expired tokens alive), got "
                    + skew);
        }
        return skew;
    }

    RelayConfig.TokenExpiry tokenExpiry() {
        Duration warning = duration.apply(ConfigOption.TOKEN_EXPIRY_WARNING);
        Duration grace = duration.apply(ConfigOption.TOKEN_REFRESH_GRACE);
        if (warning.isNegative()) {
            problems.add(ConfigOption.TOKEN_EXPIRY_WARNING.envName() + " must be 0 or more, got " + warning);
        }
        if (grace.isNegative() || grace.compareTo(TokenLifecycle.MAX_REFRESH_GRACE) > 0) {
            problems.add(ConfigOption.TOKEN_REFRESH_GRACE.envName() + " must be between 0s and "
                    + TokenLifecycle.MAX_REFRESH_GRACE.toMinutes() + "m, got " + grace);
        }
        return new RelayConfig.TokenExpiry(warning, grace);
    }

    /** The TLS settings (null when TLS is off), after loading them once to find every mistake now. */
    RelayConfig.Tls tls() {
        String cert = string.apply(ConfigOption.TLS_CERT);
        String key = string.apply(ConfigOption.TLS_KEY);
        String keyStore = string.apply(ConfigOption.TLS_KEYSTORE);
        String password = string.apply(ConfigOption.TLS_KEYSTORE_PASSWORD);
        if (cert == null && key == null && keyStore == null) {
            if (password != null) {
                problems.add(ConfigOption.TLS_KEYSTORE_PASSWORD.envName() + " is set but "
                        + ConfigOption.TLS_KEYSTORE.envName() + " is not");
            }
            return null;
        }
        if (keyStore != null && (cert != null || key != null)) {
            problems.add("set either " + ConfigOption.TLS_CERT.envName() + " and " + ConfigOption.TLS_KEY.envName()
                    + " (PEM) or " + ConfigOption.TLS_KEYSTORE.envName() + ", not both");
            return null;
        }
        RelayConfig.Tls tls;
        if (keyStore != null) {
            if (password == null) {
                problems.add(ConfigOption.TLS_KEYSTORE_PASSWORD.envName() + " is required with "
                        + ConfigOption.TLS_KEYSTORE.envName());
                return null;
            }
            tls = new RelayConfig.Tls(null, null, Path.of(keyStore), password);
        } else {
            if (cert == null || key == null) {
                problems.add(ConfigOption.TLS_CERT.envName() + " (certificate chain PEM) and "
                        + ConfigOption.TLS_KEY.envName() + " (PKCS#8 private key PEM) go together: set "
                        + (cert == null ? ConfigOption.TLS_CERT.envName() : ConfigOption.TLS_KEY.envName()) + " too");
                return null;
            }
            if (password != null) {
                problems.add(ConfigOption.TLS_KEYSTORE_PASSWORD.envName() + " is only for "
                        + ConfigOption.TLS_KEYSTORE.envName() + "; the PEM key must not be encrypted");
            }
            tls = new RelayConfig.Tls(Path.of(cert), Path.of(key), null, null);
        }
        try {
            tls.load();
        } catch (IllegalArgumentException e) {
            String names = keyStore != null ? ConfigOption.TLS_KEYSTORE.envName()
                    : ConfigOption.TLS_CERT.envName() + "/" + ConfigOption.TLS_KEY.envName();
            problems.add(names + ": " + e.getMessage());
            return null;
        }
        return tls;
    }

    /** Loads the key material; used by the node, once {@link #tls()} has found nothing wrong. */
    static ServerTls load(RelayConfig.Tls tls) {
        return tls.keyStore() != null ? ServerTls.fromKeyStore(tls.keyStore(), tls.keyStorePassword().toCharArray())
                : ServerTls.fromPem(tls.certificate(), tls.privateKey());
    }
}
