package io.notifyrelay.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** A minimal JDK WebSocket client for this module's tests (the test kit's client lives downstream of it). */
final class TestSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Closed(int code, String reason, long atMillis) {
    }

    private final List<JsonNode> frames = new ArrayList<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final WebSocket webSocket;

    private TestSocket(HttpClient client, URI uri) throws Exception {
        StringBuilder text = new StringBuilder();
        this.webSocket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                JsonNode frame = JSON.readTree(text.toString());
                                synchronized (frames) {
                                    frames.add(frame);
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closed.complete(new Closed(statusCode, reason, System.currentTimeMillis()));
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closed.complete(new Closed(1006, String.valueOf(error), System.currentTimeMillis()));
                    }
                }).get(10, TimeUnit.SECONDS);
    }

    static TestSocket connect(URI uri) throws Exception {
        return new TestSocket(HttpClient.newHttpClient(), uri);
    }

    static TestSocket connect(HttpClient client, URI uri) throws Exception {
        return new TestSocket(client, uri);
    }

    void send(String text) throws Exception {
        webSocket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    void auth(String token) throws Exception {
        send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
    }

    List<JsonNode> frames(String type) {
        synchronized (frames) {
            return frames.stream().filter(f -> type.equals(f.path("type").asText())).toList();
        }
    }

    JsonNode await(String type) {
        return await(type, 1).get(0);
    }

    List<JsonNode> await(String type, int count) {
        Awaitility.await(count + " × " + type).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> frames(type).size() >= count);
        return frames(type);
    }

    Closed awaitClose(Duration timeout) throws Exception {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            webSocket.abort();
        }
    }
}
