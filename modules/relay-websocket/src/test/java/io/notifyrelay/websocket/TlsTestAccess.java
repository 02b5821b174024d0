package io.notifyrelay.websocket;

import io.notifyrelay.websocket.tls.ServerTls;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Instant;

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

    /** Connects, authenticates and returns the welcome frame's text. */
    public static String welcomeOver(HttpClient client, URI uri, String token) throws Exception {
        try (TestSocket socket = TestSocket.connect(client, uri)) {
            socket.auth(token);
            return socket.await("welcome").toString();
        }
    }
}
