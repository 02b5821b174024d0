package io.notifyrelay.websocket;

import static io.notifyrelay.websocket.TestServers.token;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RELAY_MAX_FRAME_BYTES at its shipped default (64 KiB) over real sockets: a message of exactly the limit is read,
 * one byte more closes the session with 1009 and the relay's own reason, and so do fragments that add up past the
 * limit although each is under it; the same for a socket.io session on a WebSocket.
 */
class FrameSizeTest {

    private RelayWebSocketServer server;
    private URI uri;
    private int limit;

    @BeforeEach
    void start() {
        WebSocketSettings settings = WebSocketSettings.defaults("test-node");
        limit = settings.maxInboundFrameBytes();
        assertEquals(64 * 1024, limit, "RELAY_MAX_FRAME_BYTES's default");
        server = RelayWebSocketServer.builder()
                .settings(settings)
                .tokenVerifier(TestServers.PLAIN_TOKENS)
                .partitions(TestServers.ONE_PARTITION)
                .build();
        server.start();
        uri = URI.create(server.webSocketUrl());
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aMessageOfExactlyTheLimitIsReadAndOneByteMoreCloses1009() throws Exception {
        try (RawWsClient client = authenticated()) {
            client.send(true, RawWsClient.TEXT, ping(limit));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.text().contains("\"pong\""));

            client.send(true, RawWsClient.TEXT, ping(limit + 1));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.closeCode() != -1);
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.closeCode());
            assertEquals("frame larger than " + limit + " bytes", client.closeReason());
        }
    }

    @Test
    void fragmentsThatAddUpPastTheLimitClose1009() throws Exception {
        try (RawWsClient client = authenticated()) {
            byte[] whole = ping(limit + 1);
            int half = whole.length / 2;
            client.send(false, RawWsClient.TEXT, java.util.Arrays.copyOfRange(whole, 0, half));
            client.send(true, RawWsClient.CONTINUATION, java.util.Arrays.copyOfRange(whole, half, whole.length));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.closeCode() != -1);
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.closeCode());
        }
    }

    @Test
    void fragmentsWithinTheLimitAreOneMessage() throws Exception {
        try (RawWsClient client = authenticated()) {
            byte[] whole = ping(limit);
            int half = whole.length / 2;
            client.send(false, RawWsClient.TEXT, java.util.Arrays.copyOfRange(whole, 0, half));
            client.send(true, RawWsClient.CONTINUATION, java.util.Arrays.copyOfRange(whole, half, whole.length));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.text().contains("\"pong\""));
            assertEquals(-1, client.closeCode());
        }
    }

    @Test
    void aSocketIoPacketOfExactlyTheLimitIsReadAndOneByteMoreCloses1009() throws Exception {
        URI socketIo = URI.create(uri.toString().replace(RelayWebSocketServer.WEBSOCKET_PATH,
                "/socket.io/?EIO=4&transport=websocket"));
        try (RawWsClient client = new RawWsClient(socketIo, false)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> client.text().startsWith("0{"));
            // an Engine.IO ping is answered with a pong carrying the same data
            client.send(true, RawWsClient.TEXT, ("2" + "x".repeat(limit - 1)).getBytes(UTF_8));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.text().contains("\n3xxx"));

            client.send(true, RawWsClient.TEXT, ("2" + "x".repeat(limit)).getBytes(UTF_8));
            await().atMost(Duration.ofSeconds(5)).until(() -> client.closeCode() != -1);
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, client.closeCode());
            assertEquals("packet larger than " + limit + " bytes", client.closeReason());
        }
    }

    private RawWsClient authenticated() throws Exception {
        RawWsClient client = new RawWsClient(uri, true);
        client.sendText("{\"type\":\"auth\",\"token\":\"" + token("lob-a", Instant.now().plusSeconds(300)) + "\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> client.text().contains("\"welcome\""));
        return client;
    }

    /** A {@code ping} frame padded with JSON whitespace to exactly {@code bytes} bytes. */
    private static byte[] ping(int bytes) {
        String frame = "{\"type\":\"ping\"}";
        return (frame + " ".repeat(bytes - frame.length())).getBytes(UTF_8);
    }
}
