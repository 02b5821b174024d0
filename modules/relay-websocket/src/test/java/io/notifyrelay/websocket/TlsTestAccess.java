package io.notifyrelay.websocket;

import io.notifyrelay.testkit.WsTestClient;
import io.notifyrelay.websocket.tls.ServerTls;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLContext;

/** Lets the tls package's tests use this package's test helpers. */
public final class TlsTestAccess {

    private TlsTestAccess() {
    }

    public static RelayWebSocketServer start(TokenLifecycle lifecycle, ServerTls tls) {
        return TestServers.start(lifecycle, tls);
    }

    public static String token(String lob, Instant expiresAt) {
        return TestServers.token(lob, expiresAt);
    }

    /** Connects over TLS trusting {@code trust}, authenticates and returns the welcome frame's text. */
    public static String welcomeOver(SSLContext trust, URI uri, String token) {
        try (WsTestClient socket = WsTestClient.builder(uri).sslContext(trust).connect()) {
            socket.sendJson(Map.of("type", "auth", "token", token));
            return socket.awaitFrame("welcome").toString();
        }
    }
}
