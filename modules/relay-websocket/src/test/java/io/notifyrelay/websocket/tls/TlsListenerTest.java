package io.notifyrelay.websocket.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.websocket.RelayWebSocketServer;
import io.notifyrelay.websocket.TlsTestAccess;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.testkit.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener over real TLS sockets: https health, a wss session, and no plain-text fallback. */
class TlsListenerTest {

    @TempDir
    Path dir;
    private RelayWebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void httpsAndWssWithAPemKeyAndCertificate() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir, "EC", "PKCS12");
        server = TlsTestAccess.start(TokenLifecycle.DEFAULTS, ServerTls.fromPem(
                certs.writeCertificatePem(dir.resolve("tls.crt")), certs.writePrivateKeyPem(dir.resolve("tls.key"))));
        assertTrue(server.isTls());
        assertTrue(server.webSocketUrl().startsWith("wss://127.0.0.1:"), server.webSocketUrl());

        HttpClient client = HttpClient.newBuilder().sslContext(certs.clientContext()).connectTimeout(Duration.ofSeconds(10))
                .build();
        URI health = URI.create("https://127.0.0.1:" + server.port() + "/health/live");
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.sslSession().isPresent());

        String welcome = TlsTestAccess.welcomeOver(certs.clientContext(), URI.create(server.webSocketUrl()),
                TlsTestAccess.token("lob-a", Instant.now().plusSeconds(60)));
        assertTrue(welcome.contains("\"type\":\"welcome\""), welcome);
    }

    @Test
    void wssWithAKeyStore() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir, "RSA", "PKCS12");
        server = TlsTestAccess.start(TokenLifecycle.DEFAULTS,
                ServerTls.fromKeyStore(certs.keyStore(), TestCertificates.PASSWORD.toCharArray()));
        String welcome = TlsTestAccess.welcomeOver(certs.clientContext(), URI.create(server.webSocketUrl()),
                TlsTestAccess.token("lob-a", Instant.now().plusSeconds(60)));
        assertTrue(welcome.contains("welcome"), welcome);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir, "EC", "PKCS12");
        server = TlsTestAccess.start(TokenLifecycle.DEFAULTS,
                ServerTls.fromKeyStore(certs.keyStore(), TestCertificates.PASSWORD.toCharArray()));
        HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI health = URI.create("https://127.0.0.1:" + server.port() + "/health/live");
        assertThrows(IOException.class, () -> defaultTrust.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void plainHttpToTheTlsPortGetsNoAnswer() throws Exception {
        TestCertificates certs = TestCertificates.generate(dir, "EC", "PKCS12");
        server = TlsTestAccess.start(TokenLifecycle.DEFAULTS,
                ServerTls.fromKeyStore(certs.keyStore(), TestCertificates.PASSWORD.toCharArray()));
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI health = URI.create("http://127.0.0.1:" + server.port() + "/health/live");
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()));
    }
}
