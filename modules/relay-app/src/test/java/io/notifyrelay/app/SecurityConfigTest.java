package io.notifyrelay.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token (JWKS, iss, aud, expiry) and TLS settings, and the problems they are reported with. */
class SecurityConfigTest {

    static final String SECRET = "0123456789abcdef0123456789abcdef-and-more";

    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("RELAY_JWT_SECRET", SECRET);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] == null) {
                env.remove(pairs[i]);
            } else {
                env.put(pairs[i], pairs[i + 1]);
            }
        }
        return env;
    }

    static RelayConfig load(Map<String, String> env) {
        return ConfigLoader.load(new String[0], env);
    }

    /** The single problem, which must mention {@code mustMention}. */
    static String problem(Map<String, String> env, String mustMention) {
        List<String> problems = assertThrows(ConfigException.class, () -> load(env)).problems();
        assertEquals(1, problems.size(), () -> "expected one problem, got " + problems);
        assertTrue(problems.get(0).contains(mustMention), problems.get(0));
        return problems.get(0);
    }

    @Nested
    class Tokens {

        @Test
        void defaults() {
            RelayConfig.Auth auth = load(env()).auth();
            assertNull(auth.jwks().url());
            assertEquals(Duration.ofMinutes(5), auth.jwks().cacheTtl());
            assertNull(auth.requiredClaims().issuer());
            assertEquals(Set.of(), auth.requiredClaims().audiences());
            assertEquals(Duration.ofSeconds(60), auth.tokenExpiry().warning());
            assertEquals(Duration.ZERO, auth.tokenExpiry().refreshGrace());
            assertEquals(Duration.ofSeconds(60), auth.tokenLifecycle().expiryWarning());
        }

        @Test
        void jwksAloneIsEnoughToVerifyTokens() {
            RelayConfig.Auth auth = load(env("RELAY_JWT_SECRET", null,
                    "RELAY_JWT_JWKS_URL", "https://id.example.com/realms/notify/protocol/openid-connect/certs",
                    "RELAY_JWT_JWKS_CACHE_TTL", "10m")).auth();
            assertEquals(URI.create("https://id.example.com/realms/notify/protocol/openid-connect/certs"),
                    auth.jwks().url());
            assertEquals(Duration.ofMinutes(10), auth.jwtSettings().jwksCacheTtl());
            assertNull(auth.jwtSettings().hmacSecret());
        }

        @Test
        void noKeyAtAllNamesEveryWay() {
            String problem = problem(env("RELAY_JWT_SECRET", null), "RELAY_JWT_JWKS_URL");
            assertTrue(problem.contains("RELAY_JWT_SECRET") && problem.contains("RELAY_JWT_PUBLIC_KEY"), problem);
        }

        @Test
        void jwksOverPlainHttpToARemoteHostIsRefused() {
            problem(env("RELAY_JWT_JWKS_URL", "http://id.example.com/certs"), "https");
        }

        @Test
        void jwksUrlThatIsNotAUrl() {
            problem(env("RELAY_JWT_JWKS_URL", "not a url"), "RELAY_JWT_JWKS_URL");
        }

        @Test
        void jwksCacheTtlIsBounded() {
            problem(env("RELAY_JWT_JWKS_CACHE_TTL", "1s"), "RELAY_JWT_JWKS_CACHE_TTL");
            problem(env("RELAY_JWT_JWKS_CACHE_TTL", "25h"), "RELAY_JWT_JWKS_CACHE_TTL");
        }

        @Test
        void issuerAndAudiences() {
            RelayConfig.Auth auth = load(env("RELAY_JWT_ISSUER", "https://id.example.com",
                    "RELAY_JWT_AUDIENCE", "notify-relay, relay-eu ,")).auth();
            assertEquals("https://id.example.com", auth.jwtSettings().issuer());
            assertEquals(Set.of("notify-relay", "relay-eu"), auth.jwtSettings().audiences());
        }

        @Test
        void audienceOfOnlyCommas() {
            problem(env("RELAY_JWT_AUDIENCE", ",,"), "RELAY_JWT_AUDIENCE");
        }

        @Test
        void clockSkewIsCappedAtFiveMinutes() {
            assertEquals(Duration.ofMinutes(5), load(env("RELAY_JWT_CLOCK_SKEW", "5m")).auth().clockSkew());
            problem(env("RELAY_JWT_CLOCK_SKEW", "6m"), "RELAY_JWT_CLOCK_SKEW");
            problem(env("RELAY_JWT_CLOCK_SKEW", "PT-1S"), "RELAY_JWT_CLOCK_SKEW");
        }

        @Test
        void expiryWarningAndGrace() {
            RelayConfig.Auth auth = load(env("RELAY_TOKEN_EXPIRY_WARNING", "2m", "RELAY_TOKEN_REFRESH_GRACE", "15s")).auth();
            assertEquals(Duration.ofMinutes(2), auth.tokenLifecycle().expiryWarning());
            assertEquals(Duration.ofSeconds(15), auth.tokenLifecycle().refreshGrace());
            assertEquals(Duration.ZERO, load(env("RELAY_TOKEN_EXPIRY_WARNING", "0s")).auth().tokenExpiry().warning());
        }

        @Test
        void graceIsBounded() {
            problem(env("RELAY_TOKEN_REFRESH_GRACE", "6m"), "RELAY_TOKEN_REFRESH_GRACE");
            problem(env("RELAY_TOKEN_EXPIRY_WARNING", "PT-1S"), "RELAY_TOKEN_EXPIRY_WARNING");
        }
    }

    @Nested
    class Tls {

        @TempDir
        Path dir;

        @Test
        void offByDefault() {
            assertNull(load(env()).http().tls());
        }

        @Test
        void certificateWithoutKey() {
            problem(env("RELAY_TLS_CERT", "/etc/relay/tls.crt"), "RELAY_TLS_KEY");
            problem(env("RELAY_TLS_KEY", "/etc/relay/tls.key"), "RELAY_TLS_CERT");
        }

        @Test
        void pemAndKeyStoreTogether() {
            problem(env("RELAY_TLS_CERT", "a", "RELAY_TLS_KEY", "b", "RELAY_TLS_KEYSTORE", "c",
                    "RELAY_TLS_KEYSTORE_PASSWORD", "d"), "not both");
        }

        @Test
        void keyStoreWithoutPassword() {
            problem(env("RELAY_TLS_KEYSTORE", "/etc/relay/tls.p12"), "RELAY_TLS_KEYSTORE_PASSWORD");
        }

        @Test
        void passwordWithoutKeyStore() {
            problem(env("RELAY_TLS_KEYSTORE_PASSWORD", "secret"), "RELAY_TLS_KEYSTORE");
        }

        @Test
        void missingPemFilesAreNamed() {
            Path cert = dir.resolve("tls.crt");
            String problem = problem(env("RELAY_TLS_CERT", cert.toString(), "RELAY_TLS_KEY",
                    dir.resolve("tls.key").toString()), "RELAY_TLS_CERT");
            assertTrue(problem.contains(cert.toString()) && problem.contains("does not exist"), problem);
        }

        @Test
        void wrongKeyStorePassword() throws Exception {
            Path store = keyStore("right-password");
            String problem = problem(env("RELAY_TLS_KEYSTORE", store.toString(),
                    "RELAY_TLS_KEYSTORE_PASSWORD", "wrong-password"), "RELAY_TLS_KEYSTORE");
            assertTrue(problem.contains("wrong password"), problem);
            assertTrue(!problem.contains("wrong-password"), "the password is never shown");
        }

        @Test
        void keyStoreWithoutAKey() throws Exception {
            Path store = keyStore("right-password");
            problem(env("RELAY_TLS_KEYSTORE", store.toString(), "RELAY_TLS_KEYSTORE_PASSWORD", "right-password"),
                    "no private key");
        }

        @Test
        void thePasswordIsNotInToString() {
            RelayConfig.Tls tls = new RelayConfig.Tls(null, null, Path.of("x.p12"), "hunter2");
            assertTrue(!tls.toString().contains("hunter2"), tls.toString());
        }

        /** An empty PKCS12 store: enough to check passwords and entries (full key material is tested downstream). */
        private Path keyStore(String password) throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            Path file = dir.resolve("empty.p12");
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        }
    }
}
