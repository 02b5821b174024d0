package io.notifyrelay.websocket;

import static io.notifyrelay.websocket.TestServers.token;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's heartbeat over real sockets: a client that answers the pings stays, one that goes silent (a
 * half-open connection, a frozen tab) is dropped after two intervals, and only that one. The shipped interval
 * (25 s); time is a ticker the test moves and the sweep is the one the node's timer runs, so nothing here waits
 * for a wall-clock interval (that was flaky on a loaded machine).
 */
class HeartbeatTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private RelayWebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aSilentClientIsDroppedAfterTwoIntervalsAndOneThatAnswersPingsStays() throws Exception {
        WebSocketSettings settings = WebSocketSettings.defaults("test-node");
        assertEquals(Duration.ofSeconds(25), settings.heartbeatInterval(), "RELAY_HEARTBEAT_INTERVAL's default");
        server = RelayWebSocketServer.builder()
                .settings(settings)
                .tokenVerifier(TestServers.PLAIN_TOKENS)
                .partitions(TestServers.ONE_PARTITION)
                .ticker(now::get)
                .build();
        server.start();
        URI uri = URI.create(server.webSocketUrl());
        String token = token("lob-a", Instant.now().plusSeconds(300));
        long interval = settings.heartbeatInterval().toNanos();

        try (RawWsClient answering = new RawWsClient(uri, true); RawWsClient silent = new RawWsClient(uri, false)) {
            answering.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            silent.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            await().atMost(Duration.ofSeconds(5)).until(() -> answering.text().contains("\"welcome\"")
                    && silent.text().contains("\"welcome\""));
            assertEquals(2, server.sessionCount());

            // one and a half intervals of silence from both: pinged, not dropped
            now.addAndGet(interval + interval / 2);
            server.heartbeat();
            // the answering client pongs, then pings: the server's pong to that means it has read our pong
            await().atMost(Duration.ofSeconds(5)).until(() -> silent.pings() == 1 && answering.serverPongs() == 1);

            // two and a half intervals since the silent one was heard, one since the answering one's pong
            now.addAndGet(interval);
            server.heartbeat();
            await().atMost(Duration.ofSeconds(5)).until(silent::endOfStream);
            await().atMost(Duration.ofSeconds(5)).until(() -> answering.pings() == 2);
            assertEquals(1, silent.pings(), "no second ping for the dropped client");
            assertFalse(answering.endOfStream());
            await().atMost(Duration.ofSeconds(5)).until(() -> server.sessionCount() == 1);

            answering.sendText("{\"type\":\"subscribe\",\"contacts\":[\"contact-1\"]}");
            await().atMost(Duration.ofSeconds(5)).until(() -> answering.text().contains("\"subscribed\""));
            server.deliver(TestServers.event("lob-a", "contact-1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> answering.text().contains("\"event\""));
        }
    }
}
