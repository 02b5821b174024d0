package io.notifyrelay.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A WebSocket client for tests over a real socket (JDK {@link java.net.http.WebSocket}, no extra dependencies).
 * Every received message is recorded in arrival order as a {@link JsonNode}: fragmented text is accumulated until
 * its last fragment; text that is not JSON is recorded as a {@link TextNode}, binary as a {@link BinaryNode}.
 *
 * <p>A <em>stalled</em> client ({@link #connectStalled}) stops requesting messages after the first N, using the
 * listener's {@code request(n)} flow control: the JDK then stops reading the socket, the TCP receive window fills
 * and the server sees a slow reader whose writes do not complete. {@link #resume()} reads again.
 */
public final class WsTestClient implements AutoCloseable {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Reported by {@link #awaitClose()} when the connection ended without a Close frame (RFC 6455 §7.1.5). */
    public static final int ABNORMAL_CLOSURE = 1006;

    private static final ObjectMapper JSON = new ObjectMapper();
    // one client (one selector thread) for all sockets: tests may open hundreds; its threads are daemons
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final URI uri;
    private final Duration timeout;
    private final int stallAfter; // -1: never stall
    private final List<JsonNode> frames = new ArrayList<>();
    private final List<String> rawFrames = new ArrayList<>();
    private final CompletableFuture<CloseInfo> closed = new CompletableFuture<>();
    private final Object sendLock = new Object();
    private volatile boolean unbounded;
    private volatile WebSocket webSocket;

    private record CloseInfo(int statusCode, String reason, Throwable error, Instant at) {
    }

    private WsTestClient(URI uri, Duration timeout, int stallAfter) {
        this.uri = uri;
        this.timeout = timeout;
        this.stallAfter = stallAfter;
        this.unbounded = stallAfter < 0;
    }

    public static WsTestClient connect(URI uri) {
        return builder(uri).connect();
    }

    /** With handshake headers, e.g. {@code Map.of("Origin", "https://faber.example")}. */
    public static WsTestClient connect(URI uri, Map<String, String> headers) {
        return builder(uri).headers(headers).connect();
    }

    /** Connects and reads nothing at all until {@link #resume()}. */
    public static WsTestClient connectStalled(URI uri) {
        return builder(uri).stallAfter(0).connect();
    }

    /** Connects, reads the first {@code messages} messages, then stops reading until {@link #resume()}. */
    public static WsTestClient connectStalled(URI uri, int messages) {
        return builder(uri).stallAfter(messages).connect();
    }

    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    // ---- sending ----

    /** Sends one text message and waits until it is written. */
    public void send(String text) {
        WebSocket ws = webSocket;
        synchronized (sendLock) { // the JDK allows one outstanding send at a time
            try {
                ws.sendText(text, true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("send to " + uri + " failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("send to " + uri + " did not complete within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sending", e);
            }
        }
    }

    /** Serializes {@code message} with Jackson and sends it. */
    public void sendJson(Map<String, ?> message) {
        try {
            send(JSON.writeValueAsString(message));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serializable as JSON: " + message, e);
        }
    }

    // ---- received frames ----

    /** Snapshot of all messages received so far, in arrival order. */
    public List<JsonNode> frames() {
        synchronized (frames) {
            return List.copyOf(frames);
        }
    }

    /** Snapshot of the raw text of all messages received so far (binary messages as Base64). */
    public List<String> rawFrames() {
        synchronized (frames) {
            return List.copyOf(rawFrames);
        }
    }

    /** Messages whose {@code type} field equals {@code type}. */
    public List<JsonNode> framesOfType(String type) {
        return frames().stream().filter(hasType(type)).toList();
    }

    /** The first message of that {@code type} (already received or arriving within the timeout). */
    public JsonNode awaitFrame(String type) {
        return awaitFrames("type=" + type, hasType(type), 1, timeout).get(0);
    }

    /** The first message matching {@code predicate} (already received or arriving within the timeout). */
    public JsonNode awaitFrame(Predicate<JsonNode> predicate) {
        return awaitFrames("a frame matching the predicate", predicate, 1, timeout).get(0);
    }

    public JsonNode awaitFrame(String description, Predicate<JsonNode> predicate, Duration timeout) {
        return awaitFrames(description, predicate, 1, timeout).get(0);
    }

    /** The first {@code count} messages of that {@code type}, waiting until that many have arrived. */
    public List<JsonNode> awaitFrames(String type, int count) {
        return awaitFrames("type=" + type, hasType(type), count, timeout);
    }

    public List<JsonNode> awaitFrames(String description, Predicate<JsonNode> predicate, int count, Duration timeout) {
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> matching(predicate).size() >= count);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Expected " + count + " × " + description + " from " + uri + " within "
                    + timeout.toMillis() + " ms but got " + matching(predicate).size() + ". " + state(), e);
        }
        return matching(predicate).subList(0, count);
    }

    /** Fails if a message matching {@code predicate} arrives (or has arrived) during {@code window}. */
    public void assertNoFrame(String description, Predicate<JsonNode> predicate, Duration window) {
        try {
            Awaitility.await()
                    .during(window)
                    .atMost(window.plusSeconds(1))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> matching(predicate).isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("Expected no " + description + " from " + uri + " but got "
                    + matching(predicate) + ". " + state(), e);
        }
    }

    public static Predicate<JsonNode> hasType(String type) {
        return frame -> frame.isObject() && type.equals(frame.path("type").asText(null));
    }

    private List<JsonNode> matching(Predicate<JsonNode> predicate) {
        return frames().stream().filter(predicate).toList();
    }

    private String state() {
        List<String> raw = rawFrames();
        String list = raw.stream().map(f -> f.length() > 500 ? f.substring(0, 500) + "…" : f)
                .collect(Collectors.joining("\n  ", "\n  ", ""));
        String closeState = closed.isDone() ? " Connection closed: " + closed.join() + "." : "";
        return "Received " + raw.size() + " frame(s) so far:" + (raw.isEmpty() ? " none" : list) + closeState;
    }

    // ---- flow control and closing ----

    /** Lifts the stall: reads everything from now on. */
    public void resume() {
        unbounded = true;
        webSocket.request(Long.MAX_VALUE);
    }

    /**
     * Waits for the connection to end and returns the Close status code ({@value #ABNORMAL_CLOSURE} if it ended
     * without a Close frame). Resumes a stalled client: the server's Close frame is queued behind the frames it
     * could not deliver, so they must be read (and are recorded) first.
     */
    public int awaitClose() {
        return awaitClose(timeout);
    }

    public int awaitClose(Duration timeout) {
        resume();
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS).statusCode();
        } catch (TimeoutException e) {
            throw new AssertionError("Expected " + uri + " to close within " + timeout.toMillis() + " ms. "
                    + state(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The Close reason sent by the server, once closed. */
    public Optional<String> closeReason() {
        return Optional.ofNullable(closed.getNow(null)).map(CloseInfo::reason);
    }

    /** When this client saw the connection end, once closed. */
    public Optional<Instant> closedAt() {
        return Optional.ofNullable(closed.getNow(null)).map(CloseInfo::at);
    }

    /** The transport error, if the connection ended with one instead of a Close frame. */
    public Optional<Throwable> error() {
        return Optional.ofNullable(closed.getNow(null)).map(CloseInfo::error);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Sends a normal Close, waits briefly for the server's reply, and aborts the TCP connection if none comes. */
    @Override
    public void close() {
        WebSocket ws = webSocket;
        if (ws == null || closed.isDone()) {
            return;
        }
        resume();
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
            closed.get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // output already closed or no reply: nothing more to negotiate
        } finally {
            if (!closed.isDone()) {
                ws.abort();
                closed.complete(new CloseInfo(ABNORMAL_CLOSURE, "aborted by client", null, Instant.now()));
            }
        }
    }

    @Override
    public String toString() {
        return "WsTestClient[" + uri + ", " + frames().size() + " frames" + (isClosed() ? ", closed" : "") + "]";
    }

    // ---- listener ----

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final List<ByteBuffer> binary = new ArrayList<>();
        private int completed;

        @Override
        public void onOpen(WebSocket ws) {
            webSocket = ws;
            if (unbounded) {
                ws.request(Long.MAX_VALUE);
            } else if (stallAfter > 0) {
                ws.request(1);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                record(parse(message), message);
            }
            requestMore(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data).flip();
            binary.add(copy);
            if (last) {
                int size = binary.stream().mapToInt(ByteBuffer::remaining).sum();
                ByteBuffer all = ByteBuffer.allocate(size);
                binary.forEach(all::put);
                binary.clear();
                byte[] bytes = all.array();
                record(BinaryNode.valueOf(bytes), Base64.getEncoder().encodeToString(bytes));
            }
            requestMore(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            requestMore(ws); // the JDK answers pings itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            requestMore(ws);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(new CloseInfo(statusCode, reason, null, Instant.now()));
            if (!ws.isOutputClosed()) {
                // echo the close as RFC 6455 asks; 1005 (no code) may not be sent on the wire
                int reply = statusCode == 1005 ? WebSocket.NORMAL_CLOSURE : statusCode;
                ws.sendClose(isSendable(reply) ? reply : WebSocket.NORMAL_CLOSURE, "");
            }
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(new CloseInfo(ABNORMAL_CLOSURE, String.valueOf(error), error, Instant.now()));
        }

        private void record(JsonNode node, String raw) {
            synchronized (frames) {
                frames.add(node);
                rawFrames.add(raw);
            }
            completed++;
        }

        /** One invocation at a time while under the stall limit, so the JDK never reads ahead past it. */
        private void requestMore(WebSocket ws) {
            if (!unbounded && completed < stallAfter) {
                ws.request(1);
            }
        }
    }

    private static boolean isSendable(int code) {
        return code == 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }

    private static JsonNode parse(String message) {
        try {
            return JSON.readTree(message);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(message);
        }
    }

    /** The server refused the WebSocket upgrade (e.g. 401 for a bad token, 403 for a bad Origin). */
    public static final class HandshakeRejectedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int statusCode;
        private final String body;

        HandshakeRejectedException(URI uri, int statusCode, String body) {
            super("WebSocket handshake to " + uri + " rejected with HTTP " + statusCode
                    + (body.isEmpty() ? "" : ": " + body));
            this.statusCode = statusCode;
            this.body = body;
        }

        public int statusCode() {
            return statusCode;
        }

        public String body() {
            return body;
        }
    }

    /** Options for {@link WsTestClient}; {@link #connect()} opens the connection. */
    public static final class Builder {
        private final URI uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final List<String> subprotocols = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private int stallAfter = -1;
        private javax.net.ssl.SSLContext sslContext;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** A handshake header such as Origin or Authorization (the JDK refuses the Sec-WebSocket-* ones). */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            this.headers.putAll(headers);
            return this;
        }

        public Builder subprotocols(String... protocols) {
            subprotocols.addAll(List.of(protocols));
            return this;
        }

        /** Connect timeout and default timeout of the await methods (default 10 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Stop reading after {@code messages} messages (0: read nothing). */
        /** For wss:// URIs: the client's TLS context, e.g. one trusting a test certificate (default: the JDK's). */
        public Builder sslContext(javax.net.ssl.SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        public Builder stallAfter(int messages) {
            if (messages < 0) {
                throw new IllegalArgumentException("messages must be >= 0");
            }
            this.stallAfter = messages;
            return this;
        }

        /**
         * Opens the connection.
         *
         * @throws HandshakeRejectedException if the server answers the upgrade with an HTTP error
         */
        public WsTestClient connect() {
            WsTestClient client = new WsTestClient(uri, timeout, stallAfter);
            HttpClient http = sslContext == null ? HTTP : HttpClient.newBuilder().sslContext(sslContext).build();
            WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(timeout);
            headers.forEach(builder::header);
            if (!subprotocols.isEmpty()) {
                builder.subprotocols(subprotocols.get(0),
                        subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
            }
            try {
                client.webSocket = builder.buildAsync(uri, client.new Listener())
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return client;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof WebSocketHandshakeException rejected) {
                    HttpResponse<?> response = rejected.getResponse();
                    throw new HandshakeRejectedException(uri, response.statusCode(), bodyOf(response));
                }
                throw new IllegalStateException("cannot connect to " + uri + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot connect to " + uri + " within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting to " + uri, e);
            }
        }

        private static String bodyOf(HttpResponse<?> response) {
            Object body = response.body();
            if (body instanceof byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            return body == null ? "" : body.toString();
        }
    }
}
