package io.notifyrelay.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The JDK's WebSocket, reduced to what a node session needs: whole text frames in, text frames out one after
 * another, and reading that the client can hold back. Knows nothing of the relay's protocol.
 */
final class WebSocketTransport {

    /** Abnormal closure (no close frame), as RFC 6455 reports a dropped connection. */
    static final int ABNORMAL = 1006;

    private static final System.Logger LOG = System.getLogger(WebSocketTransport.class.getName());

    /** What a connection reports, one message at a time, on the JDK's I/O threads. */
    interface Handler {
        void opened(Socket socket);

        void text(String text);

        /** A ping or pong came: the node is alive. */
        void heard();

        /** Called after every message: true holds reading back until {@link Socket#readOn()}. */
        boolean holdReading();

        /** The connection is gone: a close frame, an error or a failed connect ({@link #ABNORMAL}). */
        void closed(int code, String reason);
    }

    private final HttpClient http;
    private final String name;

    WebSocketTransport(HttpClient http, String name) {
        this.http = http;
        this.name = name;
    }

    /** Opens a WebSocket to {@code url}; every outcome, a failed connect included, reaches {@code handler}. */
    void open(String url, Duration connectTimeout, Handler handler) {
        Listener listener = new Listener(handler, url);
        try {
            http.newWebSocketBuilder().connectTimeout(connectTimeout)
                    .buildAsync(URI.create(url), listener)
                    .whenComplete((ws, failure) -> {
                        if (failure != null) {
                            handler.closed(ABNORMAL, "connect failed: " + rootMessage(failure));
                        }
                    });
        } catch (RuntimeException e) {
            handler.closed(ABNORMAL, "connect failed: " + e);
        }
    }

    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** One open WebSocket. */
    final class Socket {
        private final WebSocket ws;
        private final String url;
        /** A message was handled while reading was held back: request the next one on {@link #readOn()}. */
        private final AtomicBoolean requestOwed = new AtomicBoolean();
        private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);

        private Socket(WebSocket ws, String url) {
            this.ws = ws;
            this.url = url;
        }

        /** Sends one text frame after the previous one: the JDK allows one outstanding send per socket. */
        synchronized void send(String text) {
            sendChain = sendChain.handle((ignored, failure) -> null)
                    .thenCompose(ignored -> ws.sendText(text, true))
                    .whenComplete((ignored, failure) -> {
                        if (failure != null) {
                            LOG.log(System.Logger.Level.DEBUG, "{0}: send to {1} failed: {2}", name, url,
                                    failure.toString());
                        }
                    });
        }

        /** Reads on after {@link Handler#holdReading()} held it back. */
        void readOn() {
            if (requestOwed.compareAndSet(true, false)) {
                ws.request(1);
            }
        }

        /** Drops the connection without a close frame. */
        void abort() {
            ws.abort();
        }

        /** Normal closure; the connection is dropped if the node does not answer within 2 s. */
        void close(String reason) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, reason).orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((ignored, failure) -> ws.abort());
        }

        private void next(Handler handler) {
            requestOwed.set(true); // before asking, so a readOn() racing the answer cannot be lost
            if (!handler.holdReading()) {
                readOn();
            }
        }
    }

    /** The JDK calls it one message at a time. */
    private final class Listener implements WebSocket.Listener {
        private final Handler handler;
        private final String url;
        private final StringBuilder partial = new StringBuilder();
        private volatile Socket socket;

        Listener(Handler handler, String url) {
            this.handler = handler;
            this.url = url;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = new Socket(webSocket, url);
            handler.opened(socket);
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (!last) {
                partial.append(data);
                webSocket.request(1);
                return null;
            }
            String text;
            if (partial.length() > 0) {
                text = partial.append(data).toString();
                partial.setLength(0);
            } else {
                text = data.toString();
            }
            handler.text(text);
            socket.next(handler);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            socket.next(handler);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            handler.heard();
            socket.next(handler); // the JDK answers the ping with a pong by itself
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            handler.heard();
            socket.next(handler);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            handler.closed(statusCode, reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            handler.closed(ABNORMAL, rootMessage(error));
        }
    }
}
