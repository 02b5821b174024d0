package io.notifyrelay.websocket;

import static io.notifyrelay.websocket.TestServers.token;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.testkit.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session's token running out, over a real socket: the {@code token_expiring} warning, a refresh in the window
 * that keeps the session (and its events), and 4401 when the refresh does not come or comes too late.
 */
class TokenExpirySessionTest {

    private RelayWebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** The first token's exp, fixed once the server is up so slow start-ups do not eat the token's lifetime. */
    private Instant exp;

    private WsTestClient session(TokenLifecycle lifecycle, String lob, Duration lifetime) throws Exception {
        server = TestServers.start(lifecycle, null);
        WsTestClient socket = WsTestClient.connect(URI.create(server.webSocketUrl()));
        exp = Instant.now().plus(lifetime);
        auth(socket, token(lob, exp));
        socket.awaitFrame("welcome");
        socket.send("{\"type\":\"subscribe\"}");
        socket.awaitFrame("subscribed");
        return socket;
    }

    private static void auth(WsTestClient socket, String token) {
        socket.sendJson(Map.of("type", "auth", "token", token));
    }

    private static void awaitPast(Instant instant) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> Instant.now().isAfter(instant));
    }

    private static void assertStaysOpen(WsTestClient socket, Duration window) {
        await().during(window).atMost(window.plusSeconds(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> !socket.isClosed());
    }

    @Test
    void warningThenRefreshInTheWindowKeepsTheSessionAndItsEvents() throws Exception {
        Duration lifetime = Duration.ofMillis(2500);
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofMillis(1500), Duration.ZERO), "lob-a", lifetime)) {
            JsonNode warning = socket.awaitFrame("token_expiring");
            assertTrue(Instant.now().isBefore(exp), "warned before exp");
            assertEquals(exp.toEpochMilli(), Instant.parse(warning.path("expiresAt").asText()).toEpochMilli());
            OffsetDateTime.parse(warning.path("expiresAt").asText()); // RFC 3339
            long refreshWithin = warning.path("refreshWithin").asLong();
            assertTrue(refreshWithin > 0 && refreshWithin <= 1500, "refreshWithin " + refreshWithin);

            auth(socket, token("lob-a", Instant.now().plusSeconds(60)));
            assertStaysOpen(socket, Duration.between(Instant.now(), exp).plusMillis(1000));

            server.deliver(TestServers.event("lob-a", "contact-1"));
            assertEquals("contact-1", socket.awaitFrame("event").path("contactId").asText());
            assertEquals(1, socket.framesOfType("token_expiring").size(), "the new token is far from its exp");
        }
    }

    @Test
    void withoutARefreshTheSessionClosesWith4401AtExp() throws Exception {
        Duration lifetime = Duration.ofMillis(1500);
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofMillis(1000), Duration.ZERO), "lob-a", lifetime)) {
            socket.awaitFrame("token_expiring");
            assertEquals(CloseCodes.UNAUTHORIZED, socket.awaitClose(Duration.ofSeconds(10)));
            long closedAt = socket.closedAt().orElseThrow().toEpochMilli();
            assertEquals("token expired", socket.closeReason().orElseThrow());
            assertTrue(closedAt >= exp.toEpochMilli() - 50, "not closed before exp");
        }
    }

    @Test
    void aRefreshAfterTheDeadlineIsTooLate() throws Exception {
        Duration lifetime = Duration.ofMillis(1000);
        Duration grace = Duration.ofMillis(500);
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofMillis(800), grace), "lob-a", lifetime)) {
            socket.awaitFrame("token_expiring");
            awaitPast(exp.plus(grace).plusMillis(300));
            try {
                auth(socket, token("lob-a", Instant.now().plusSeconds(60)));
            } catch (Exception e) {
                // the server closed already: the refresh cannot even be sent
            }
            assertEquals(CloseCodes.UNAUTHORIZED, socket.awaitClose(Duration.ofSeconds(5)));
            long closedAt = socket.closedAt().orElseThrow().toEpochMilli();
            assertTrue(closedAt >= exp.plus(grace).toEpochMilli() - 50, "the grace was honoured");
        }
    }

    @Test
    void aRefreshDuringTheGraceAfterExpStillCounts() throws Exception {
        Duration lifetime = Duration.ofMillis(800);
        Duration grace = Duration.ofSeconds(3);
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofMillis(500), grace), "lob-a", lifetime)) {
            JsonNode warning = socket.awaitFrame("token_expiring");
            assertTrue(warning.path("refreshWithin").asLong() > 3000 - 100, "the window includes the grace");
            awaitPast(exp.plusMillis(300));
            assertFalse(socket.isClosed(), "open during the grace");
            auth(socket, token("lob-a", Instant.now().plusSeconds(60)));
            assertStaysOpen(socket, Duration.between(Instant.now(), exp.plus(grace)).plusMillis(800));
            server.deliver(TestServers.event("lob-a", "contact-2"));
            socket.awaitFrame("event");
        }
    }

    @Test
    void aRefreshReArmsTheWarningForTheNewToken() throws Exception {
        Duration lifetime = Duration.ofMillis(1500);
        TokenLifecycle lifecycle = new TokenLifecycle(Duration.ofMillis(1000), Duration.ZERO);
        try (WsTestClient socket = session(lifecycle, "lob-a", lifetime)) {
            socket.awaitFrame("token_expiring");
            Instant second = Instant.now().plusMillis(2000);
            auth(socket, token("lob-a", second));
            JsonNode warning = socket.awaitFrames("token_expiring", 2).get(1);
            assertEquals(second.toEpochMilli(), Instant.parse(warning.path("expiresAt").asText()).toEpochMilli());
            assertEquals(CloseCodes.UNAUTHORIZED, socket.awaitClose(Duration.ofSeconds(10)));
            long closedAt = socket.closedAt().orElseThrow().toEpochMilli();
            assertTrue(closedAt >= second.toEpochMilli() - 50, "closed at the new exp, not the old one");
        }
    }

    @Test
    void aRefreshForAnotherLobCloses4401() throws Exception {
        try (WsTestClient socket = session(TokenLifecycle.DEFAULTS, "lob-a", Duration.ofSeconds(60))) {
            auth(socket, token("lob-b", Instant.now().plusSeconds(120)));
            assertEquals(CloseCodes.UNAUTHORIZED, socket.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void anInvalidRefreshTokenCloses4401() throws Exception {
        try (WsTestClient socket = session(TokenLifecycle.DEFAULTS, "lob-a", Duration.ofSeconds(60))) {
            auth(socket, "garbage");
            assertEquals(CloseCodes.UNAUTHORIZED, socket.awaitClose(Duration.ofSeconds(10)));
        }
    }

    @Test
    void aLongLivedTokenIsNotWarnedEarly() throws Exception {
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofSeconds(60), Duration.ZERO), "lob-a",
                Duration.ofSeconds(120))) {
            assertStaysOpen(socket, Duration.ofMillis(500));
            assertTrue(socket.framesOfType("token_expiring").isEmpty());
        }
    }

    /** A token with less than the warning period left is warned at once (the warning is clamped to its lifetime). */
    @Test
    void aShortTokenIsWarnedAtOnce() throws Exception {
        Duration lifetime = Duration.ofSeconds(5);
        try (WsTestClient socket = session(new TokenLifecycle(Duration.ofSeconds(60), Duration.ZERO), "lob-a", lifetime)) {
            JsonNode warning = socket.awaitFrame("token_expiring");
            assertTrue(Instant.now().isBefore(exp.minusSeconds(3)), "warned right after welcome");
            assertTrue(warning.path("refreshWithin").asLong() <= 5000);
        }
    }
}
