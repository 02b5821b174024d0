package io.notifyrelay.websocket;

import static io.notifyrelay.websocket.TestServers.token;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

        try (RawClient answering = new RawClient(uri, true); RawClient silent = new RawClient(uri, false)) {
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

    /**
     * Speaks just enough RFC 6455 to authenticate and read. Silent, it never answers a ping; answering, it sends
     * the pong, then a ping of its own, and counts the server's pongs to those.
     */
    private static final class RawClient implements AutoCloseable {
        private static final int TEXT = 0x1;
        private static final int PING = 0x9;
        private static final int PONG = 0xA;

        private final Socket socket;
        private final OutputStream out;
        private final boolean answersPings;
        private final StringBuilder text = new StringBuilder();
        private final AtomicInteger pings = new AtomicInteger();
        private final AtomicInteger serverPongs = new AtomicInteger();
        private final AtomicBoolean endOfStream = new AtomicBoolean();

        RawClient(URI uri, boolean answersPings) throws IOException {
            this.answersPings = answersPings;
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
            Thread reader = new Thread(() -> readFrames(in), "raw-client");
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
                    if (opcode == PING) {
                        pings.incrementAndGet();
                        if (answersPings) {
                            send(PONG, payload);
                            send(PING, new byte[0]);
                        }
                    } else if (opcode == PONG) {
                        serverPongs.incrementAndGet();
                    } else if (opcode == TEXT) {
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

        void sendText(String json) throws IOException {
            send(TEXT, json.getBytes(UTF_8));
        }

        /** One masked frame, as clients must send; payloads under 126 bytes. */
        private synchronized void send(int opcode, byte[] payload) throws IOException {
            if (payload.length >= 126) {
                throw new IOException("payload too large for this test");
            }
            byte[] mask = {1, 2, 3, 4};
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | opcode);
            frame.write(0x80 | payload.length);
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

        int serverPongs() {
            return serverPongs.get();
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
