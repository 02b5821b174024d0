package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestCertificates;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node configured for TLS serves https:// and wss:// (and only those), with PEM files or a keystore. */
@RealKafka
class TlsIT {

    @TempDir
    Path dir;

    private static Map<String, String> env(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("tls");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        return TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
    }

    /** Runs the container health check as the image does: a separate JVM, the node's RELAY_* environment. */
    private static int healthCheck(String url, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.notifyrelay.app.HealthCheck", url)
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("RELAY_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "HealthCheck finished");
        return process.exitValue();
    }

    private static void assertServesTls(RelayNode relay, TestCertificates tls, Map<String, String> tlsEnv)
            throws Exception {
        assertTrue(relay.webSocketUrl().startsWith("wss://"), relay.webSocketUrl());
        assertTrue(relay.httpUrl().startsWith("https://"), relay.httpUrl());

        HttpClient https = HttpClient.newBuilder().sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> ready = https.send(HttpRequest.newBuilder(URI.create(relay.httpUrl() + "/health/ready"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.sslSession().isPresent());

        try (WsTestClient client = WsTestClient.builder(URI.create(relay.webSocketUrl())).sslContext(tls.clientContext())
                .connect()) {
            client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob("faber").sign() + "\"}");
            client.awaitFrame("welcome");
        }

        // the image's HEALTHCHECK probes http://localhost:8080/health/ready with the node's environment
        String probe = "http://localhost:" + relay.httpPort() + "/health/ready";
        assertEquals(0, healthCheck(probe, tlsEnv), "HealthCheck switches to https and trusts the node's certificate");
        assertEquals(1, healthCheck(probe, Map.of()), "without the TLS settings the probe cannot succeed");

        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI cleartext = URI.create("http://127.0.0.1:" + relay.httpPort() + "/health/ready");
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(cleartext)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()), "no plain http");
    }

    @Test
    void pemCertificateAndKey(KafkaBackend kafka) throws Exception {
        TestCertificates tls = TestCertificates.generate(dir, "EC");
        Map<String, String> env = env(kafka);
        Map<String, String> tlsEnv = Map.of("RELAY_TLS_CERT", tls.certificatePem().toString(),
                "RELAY_TLS_KEY", tls.privateKeyPem().toString());
        env.putAll(tlsEnv);
        try (RelayNode relay = TestRelays.startReady(env)) {
            assertServesTls(relay, tls, tlsEnv);
        }
    }

    @Test
    void pkcs12KeyStore(KafkaBackend kafka) throws Exception {
        TestCertificates tls = TestCertificates.generate(dir, "RSA");
        Map<String, String> env = env(kafka);
        Map<String, String> tlsEnv = Map.of("RELAY_TLS_KEYSTORE", tls.keyStore().toString(),
                "RELAY_TLS_KEYSTORE_PASSWORD", TestCertificates.PASSWORD);
        env.putAll(tlsEnv);
        try (RelayNode relay = TestRelays.startReady(env)) {
            assertServesTls(relay, tls, tlsEnv);
        }
    }
}
