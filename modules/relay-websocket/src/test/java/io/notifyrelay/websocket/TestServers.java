package io.notifyrelay.websocket;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.websocket.tls.ServerTls;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** A real relay WebSocket server on port 0 with one partition it owns and a token verifier that trusts the test. */
final class TestServers {

    private TestServers() {
    }

    /**
     * Tokens are {@code lob|expiresAtEpochMillis}: millisecond expiry, no signing, so the lifecycle tests control
     * time exactly. Anything else is refused like a bad token.
     */
    static final TokenVerifier PLAIN_TOKENS = token -> {
        String[] parts = token.split("\\|");
        if (parts.length != 2) {
            throw new AuthenticationException("token is not a JWT");
        }
        Instant exp = Instant.ofEpochMilli(Long.parseLong(parts[1]));
        if (exp.isBefore(Instant.now())) {
            throw new AuthenticationException("token has expired");
        }
        return new Principal(parts[0], null, exp);
    };

    static String token(String lob, Instant expiresAt) {
        return lob + "|" + expiresAt.toEpochMilli();
    }

    static final PartitionView ONE_PARTITION = new PartitionView() {
        @Override
        public int partitionCount() {
            return 1;
        }

        @Override
        public String epoch() {
            return "ep0ch";
        }

        @Override
        public int partitionOf(String contactId, int partitionCount) {
            return 0;
        }

        @Override
        public int partitionOf(String contactId) {
            return 0;
        }

        @Override
        public Set<Integer> ownedPartitions() {
            return Set.of(0);
        }

        @Override
        public Optional<String> ownerOf(int partition) {
            return Optional.empty();
        }
    };

    static RelayWebSocketServer start(TokenLifecycle lifecycle, ServerTls tls) {
        RelayWebSocketServer server = RelayWebSocketServer.builder()
                .settings(WebSocketSettings.defaults("test-node"))
                .tokenVerifier(PLAIN_TOKENS)
                .partitions(ONE_PARTITION)
                .tokenLifecycle(lifecycle)
                .tls(tls)
                .build();
        server.start();
        return server;
    }

    private static final AtomicLong OFFSETS = new AtomicLong();

    static RelayEvent event(String lob, String contact) {
        String notification = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"active\"}}";
        long offset = OFFSETS.incrementAndGet();
        return new RelayEvent("event-" + offset, lob, contact, PayloadType.CONNECTION_RESPONSE,
                new Cursor("ep0ch", 0, offset), 0L, notification.getBytes(UTF_8));
    }
}
