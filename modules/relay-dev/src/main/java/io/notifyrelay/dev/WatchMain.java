package io.notifyrelay.dev;

import io.notifyrelay.testkit.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./scripts/watch}: a minimal WebSocket client that authenticates as a LOB, subscribes and
 * prints every frame, so a developer can see events arrive without writing a client.
 */
public final class WatchMain {

    private WatchMain() {
    }

    public static void main(String[] args) throws Exception {
        String lob = DevMain.SAMPLE_LOB;
        String url = "ws://localhost:" + System.getenv().getOrDefault("RELAY_HTTP_PORT", "8080") + "/v1/ws";
        String token = null;
        List<String> contacts = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--lob" -> lob = args[++i];
                case "--url" -> url = args[++i];
                case "--token" -> token = args[++i];
                case "--contact" -> contacts.add(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("Usage: ./scripts/watch [--lob LOB] [--contact ID ...] [--url ws://…/v1/ws] [--token JWT]");
                    System.out.println("Without --token, mints one with RELAY_JWT_SECRET (or the dev default secret).");
                    return;
                }
                default -> {
                    System.err.println("unknown argument " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        if (token == null) {
            String secret = System.getenv().getOrDefault("RELAY_JWT_SECRET", DevMain.DEV_SECRET);
            token = TestTokens.hs256(secret).lob(lob).expiresIn(Duration.ofHours(12)).sign();
        }
        CountDownLatch closed = new CountDownLatch(1);
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(url), new Printer(closed)).join();
        socket.sendText("{\"type\":\"auth\",\"token\":\"" + token + "\"}", true).join();
        String subscribe = contacts.isEmpty() ? "{\"type\":\"subscribe\"}"
                : "{\"type\":\"subscribe\",\"contacts\":[\"" + String.join("\",\"", contacts) + "\"]}";
        socket.sendText(subscribe, true).join();
        System.out.println("watching " + (contacts.isEmpty() ? "LOB " + lob : "contacts " + contacts) + " at " + url
                + " (Ctrl-C to stop)");
        closed.await();
    }

    private static final class Printer implements WebSocket.Listener {
        private final CountDownLatch closed;
        private final StringBuilder partial = new StringBuilder();

        Printer(CountDownLatch closed) {
            this.closed = closed;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                System.out.println(partial);
                partial.setLength(0);
            }
            webSocket.request(1);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            System.out.println("closed by the relay: " + statusCode + " " + reason);
            closed.countDown();
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            System.out.println("connection error: " + error);
            closed.countDown();
        }
    }
}
