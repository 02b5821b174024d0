package io.notifyrelay.websocket;

import static io.notifyrelay.websocket.TestServers.token;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.testkit.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's heartbeat over real sockets: a client that answers the pings stays, one that goes silent (a
 * half-open connection, a frozen tab) is dropped after two intervals, and only that one.
 */
class HeartbeatTest {

    private static final Duration INTERVAL = Duration.ofMillis(300);

    private RelayWebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aSilentClientIsDroppedAndOneThatAnswersPingsStays() throws Exception {
        server = RelayWebSocketServer.builder()
                .settings(WebSocketSettings.defaults("test-node").withHeartbeatInterval(INTERVAL))
                .tokenVerifier(TestServers.PLAIN_TOKENS)
                .partitions(TestServers.ONE_PARTITION)
                .build();
        server.start();
        URI uri = URI.create(server.webSocketUrl());
        String token = token("lob-a", Instant.now().plusSeconds(300));

        try (WsTestClient answering = WsTestClient.connect(uri); SilentClient silent = new SilentClient(uri)) {
            answering.sendJson(Map.of("type", "auth", "token", token));
            answering.awaitFrame("welcome");
            silent.auth(token);
            await().atMost(Duration.ofSeconds(5)).until(() -> silent.text().contains("\"welcome\""));
            assertEquals(2, server.sessionCount());

            await().atMost(Duration.ofSeconds(10)).until(silent::endOfStream);
            assertTrue(silent.pings() >= 2, "pinged before being dropped: " + silent.pings());

            await().during(INTERVAL.multipliedBy(4)).atMost(Duration.ofSeconds(5)).until(() -> !answering.isClosed());
            assertEquals(1, server.sessionCount());
            answering.send("{\"type\":\"subscribe\",\"contacts\":[\"contact-1\"]}");
            answering.awaitFrame("subscribed");
            server.deliver(TestServers.event("lob-a", "contact-1"));
            assertEquals("contact-1", answering.awaitFrame("event").path("contactId").asText());
        }
    }

    /** Speaks just enough RFC 6455 to authenticate, then only reads: it never answers a ping. */
    private static final class SilentClient implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final StringBuilder text = new StringBuilder();
        private final AtomicInteger pings = new AtomicInteger();
        private final AtomicBoolean endOfStream = new AtomicBoolean();

        SilentClient(URI uri) throws IOException {
            socket = new Socket(uri.getHost(), uri.getPort());
            out = socket.getOutputStream();
            String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(US_ASCII));
            out.write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String status = readHeaders(in);
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("no upgrade: " + status);
            }
            Thread reader = new Thread(() -> readFrames(in), "silent-client");
            reader.setDaemon(true);
            reader.start();
        }

        private static String readHeaders(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed during the handshake");
                }
                head.write(b);
            }
            return head.toString(US_ASCII);
        }

        private void readFrames(InputStream in) {
            try {
                while (true) {
                    int first = in.read();
                    if (first < 0) {
                        break;
                    }
                    int length = in.read() & 0x7F;
                    if (length == 126) {
                        length = (in.read() << 8) | in.read();
                    } else if (length == 127) {
                        throw new IOException("frame too large for this test");
                    }
                    byte[] payload = in.readNBytes(length);
                    int opcode = first & 0x0F;
                    if (opcode == 0x9) {
                        pings.incrementAndGet();
                    } else if (opcode == 0x1) {
                        synchronized (text) {
                            text.append(new String(payload, UTF_8)).append('\n');
                        }
                    }
                }
            } catch (IOException ignored) {
                // a reset counts as the end too
            }
            endOfStream.set(true);
        }

        void auth(String token) throws IOException {
            byte[] payload = ("{\"type\":\"auth\",\"token\":\"" + token + "\"}").getBytes(UTF_8);
            byte[] mask = {1, 2, 3, 4};
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            frame.write(0x80 | payload.length); // under 126 bytes
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }

        int pings() {
            return pings.get();
        }

        boolean endOfStream() {
            return endOfStream.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
