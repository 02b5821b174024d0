package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real Undertow WebSocket server (and a hand-written one for explicit fragmentation). */
class WsTestClientTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Undertow server;
    private static URI wsUri;
    private static URI rejectUri;
    private static final AtomicInteger completedSends = new AtomicInteger();
    /** Close code the server received, per connection (query string {@code id=...}). */
    private static final Map<String, CompletableFuture<Integer>> serverSawClose = new ConcurrentHashMap<>();

    @BeforeAll
    static void startServer() {
        server = Undertow.builder()
                .addHttpListener(0, "localhost")
                .setHandler(Handlers.path()
                        .addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
                            String origin = exchange.getRequestHeader("Origin");
                            send(channel, Map.of("type", "hello", "origin", origin == null ? "" : origin));
                            channel.getReceiveSetter().set(new Behaviour(String.valueOf(exchange.getQueryString())));
                            channel.resumeReceives();
                        }))
                        .addPrefixPath("/reject", exchange -> {
                            exchange.setStatusCode(403);
                            exchange.getResponseSender().send("origin not allowed");
                        }))
                .build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        wsUri = URI.create("ws://localhost:" + port + "/ws");
        rejectUri = URI.create("ws://localhost:" + port + "/reject");
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    /** Echo, big messages, floods and closes on request. */
    private static final class Behaviour extends AbstractReceiveListener {
        private final String connectionId;

        Behaviour(String queryString) {
            this.connectionId = queryString.replace("id=", "");
        }

        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) throws IOException {
            JsonNode request = JSON.readTree(message.getData());
            switch (request.path("type").asText()) {
                case "echo" -> send(channel, Map.of("type", "echo", "payload", request.path("payload")));
                case "big" -> send(channel, Map.of("type", "big", "data", "x".repeat(request.path("size").asInt())));
                case "flood" -> {
                    String chunk = JSON.writeValueAsString(Map.of("type", "chunk", "data", "y".repeat(64 * 1024)));
                    for (int i = 0; i < request.path("count").asInt(); i++) {
                        WebSockets.sendText(chunk, channel, new WebSocketCallback<Void>() {
                            @Override
                            public void complete(WebSocketChannel ch, Void context) {
                                completedSends.incrementAndGet();
                            }

                            @Override
                            public void onError(WebSocketChannel ch, Void context, Throwable throwable) {
                            }
                        });
                    }
                }
                case "close-me" -> WebSockets.sendClose(request.path("code").asInt(), request.path("reason").asText(),
                        channel, null);
                default -> send(channel, Map.of("type", "error", "message", "unknown request"));
            }
        }

        @Override
        protected void onCloseMessage(CloseMessage close, WebSocketChannel channel) {
            serverSawClose.computeIfAbsent(connectionId, id -> new CompletableFuture<>()).complete(close.getCode());
        }
    }

    private static void send(WebSocketChannel channel, Map<String, ?> message) {
        try {
            WebSockets.sendText(JSON.writeValueAsString(message), channel, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void recordsFramesInOrderAndSendsJsonAndHeaders() {
        try (WsTestClient client = WsTestClient.connect(wsUri, Map.of("Origin", "https://faber.example"))) {
            assertEquals("https://faber.example", client.awaitFrame("hello").path("origin").asText());

            client.sendJson(Map.of("type", "echo", "payload", Map.of("n", 1)));
            client.send("{\"type\":\"echo\",\"payload\":{\"n\":2}}");
            List<JsonNode> echoes = client.awaitFrames("echo", 2);

            assertEquals(1, echoes.get(0).at("/payload/n").asInt());
            assertEquals(2, echoes.get(1).at("/payload/n").asInt());
            assertEquals(List.of("hello", "echo", "echo"),
                    client.frames().stream().map(f -> f.path("type").asText()).toList());
            assertEquals(2, client.framesOfType("echo").size());
            assertEquals(echoes.get(1), client.awaitFrame(f -> f.at("/payload/n").asInt() == 2));
            client.assertNoFrame("an error frame", WsTestClient.hasType("error"), Duration.ofMillis(200));
        }
    }

    @Test
    void aMissingFrameFailsWithTheFramesReceivedSoFar() {
        try (WsTestClient client = WsTestClient.builder(wsUri).timeout(Duration.ofMillis(300)).connect()) {
            AssertionError e = assertThrows(AssertionError.class, () -> client.awaitFrame("never"));
            assertTrue(e.getMessage().contains("type=never"), e.getMessage());
            assertTrue(e.getMessage().contains("Received 1 frame(s) so far"), e.getMessage());
            assertTrue(e.getMessage().contains("\"type\":\"hello\""), e.getMessage());

            client.sendJson(Map.of("type", "nonsense"));
            assertThrows(AssertionError.class,
                    () -> client.assertNoFrame("an error frame", WsTestClient.hasType("error"), Duration.ofMillis(500)));
        }
    }

    @Test
    void largeMessagesDeliveredInPartsAreReassembled() {
        try (WsTestClient client = WsTestClient.connect(wsUri)) {
            client.sendJson(Map.of("type", "big", "size", 1_000_000));
            assertEquals(1_000_000, client.awaitFrame("big").path("data").asText().length());
            assertEquals(2, client.frames().size());
        }
    }

    @Test
    void explicitlyFragmentedTextIsAccumulatedUntilTheLastFragment() throws Exception {
        try (RawFragmentingServer raw = new RawFragmentingServer();
             WsTestClient client = WsTestClient.connect(raw.uri())) {
            assertEquals(3, client.awaitFrame("frag").path("parts").asInt());
            assertEquals(1000, client.awaitClose());
            assertEquals(List.of("{\"type\":\"frag\",\"parts\":3}", "not json"), client.rawFrames());
            assertTrue(client.frames().get(1).isTextual(), "non-JSON text is kept as a text node");
        }
    }

    @Test
    void serverCloseCodeAndReasonAreReported() {
        WsTestClient client = WsTestClient.connect(wsUri);
        client.sendJson(Map.of("type", "close-me", "code", 4008, "reason", "slow"));
        assertEquals(4008, client.awaitClose());
        assertTrue(client.isClosed());
        assertEquals("slow", client.closeReason().orElseThrow());
        client.close(); // no-op once closed
    }

    @Test
    void clientCloseIsANormalCloseSeenByTheServer() throws Exception {
        WsTestClient client = WsTestClient.connect(URI.create(wsUri + "?id=client-close"));
        client.awaitFrame("hello");
        client.close();
        assertTrue(client.isClosed());
        assertEquals(1000, serverSawClose.computeIfAbsent("client-close", id -> new CompletableFuture<>())
                .get(5, TimeUnit.SECONDS));
    }

    @Test
    void rejectedHandshakeReportsTheHttpStatus() {
        WsTestClient.HandshakeRejectedException e =
                assertThrows(WsTestClient.HandshakeRejectedException.class, () -> WsTestClient.connect(rejectUri));
        assertEquals(403, e.statusCode());
    }

    @Test
    void stalledClientBacksUpTheServerUntilResumed() {
        int count = 300; // 300 × 64 KiB ≈ 19 MiB, far more than loopback socket buffers hold
        completedSends.set(0);
        try (WsTestClient client = WsTestClient.connectStalled(wsUri, 1)) {
            client.sendJson(Map.of("type", "flood", "count", count));

            // the server's writes stop completing: it sees a slow reader
            Awaitility.await("server writes blocked by the stalled client")
                    .during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> completedSends.get() < count && client.frames().size() == 1);
            assertEquals("hello", client.frames().get(0).path("type").asText());
            int stuckAt = completedSends.get();

            client.resume();
            assertEquals(count, client.awaitFrames("chunk", count).size());
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> completedSends.get() == count);
            System.out.println("stalled client: server writes stuck at " + stuckAt + "/" + count + " until resumed");
            assertFalse(client.isClosed());
        }
    }

    /** One connection, answered by hand: a text message in three fragments with a ping in between, then close. */
    private static final class RawFragmentingServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        RawFragmentingServer() throws IOException {
            socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "raw-ws-server");
            thread.setDaemon(true);
            thread.start();
        }

        URI uri() {
            return URI.create("ws://127.0.0.1:" + socket.getLocalPort() + "/");
        }

        private void serve() {
            try (Socket s = socket.accept()) {
                InputStream in = s.getInputStream();
                String request = readHeaders(in);
                String key = request.lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
                String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                frame(out, 0x01, "{\"type\":\"frag\",");   // text, not final
                frame(out, 0x89, "ping");                   // control frames may interleave
                frame(out, 0x00, "\"parts\"");              // continuation, not final
                frame(out, 0x80, ":3}");                    // continuation, final
                frame(out, 0x81, "not json");
                out.write(new byte[] {(byte) 0x88, 2, 0x03, (byte) 0xE8}); // close 1000
                out.flush();
                in.readAllBytes(); // until the client closes its side
            } catch (Exception e) {
                // the test's assertions report what went missing
            }
        }

        private static String readHeaders(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            while (!buf.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("EOF in handshake");
                }
                buf.write(b);
            }
            return buf.toString(StandardCharsets.US_ASCII);
        }

        private static void frame(OutputStream out, int firstByte, String payload) throws IOException {
            byte[] data = payload.getBytes(StandardCharsets.UTF_8);
            out.write(firstByte);
            out.write(data.length); // < 126: one length byte; server frames are unmasked
            out.write(data);
        }

        @Override
        public void close() throws IOException {
            socket.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
