package io.notifyrelay.websocket.socketio;

import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.core.routing.SubscriptionRegistry;
import io.notifyrelay.websocket.SocketIoLimits;
import io.notifyrelay.websocket.WebSocketSettings;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.internal.BoundedReceiveListener;
import io.notifyrelay.websocket.internal.LobSessionCounts;
import io.notifyrelay.websocket.internal.SessionMetrics;
import io.notifyrelay.websocket.TokenLifecycle;
import io.notifyrelay.websocket.session.DeliveryPositions;
import io.notifyrelay.websocket.listener.UpgradedConnections;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.xnio.IoUtils;
import org.xnio.XnioIoThread;

/**
 * Socket.IO v4 compatibility: {@code /socket.io/}, so front-ends built on an unmodified {@code socket.io-client}
 * 4.x can receive the relay's notifications by changing their URL (and passing a token in {@code auth}).
 *
 * <p>Engine.IO v4 over WebSocket ({@code transport=websocket}) and over HTTP long-polling
 * ({@code transport=polling}, upgraded to WebSocket as the client's default transports do). Sessions are
 * subscribed in the same registry as the /v1/ws sessions and never receive another LOB's events. See
 * docs/socket-io.md for the event names and the limits (notably: in group mode a session only receives its
 * node's partitions).
 */
public final class SocketIoEndpoint implements HttpHandler {

    /** The path socket.io-client uses by default ({@code /socket.io/}). */
    public static final String PATH = "/socket.io";

    /** Engine.IO's own ping timeout default: how long a client may take to answer a ping. */
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(20);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");

    private final SocketIoContext context;
    private final HttpHandler webSocketHandshake;
    private final Predicate<HttpServerExchange> admission;

    /**
     * @param lobSessions authenticated sessions per LOB, the same counts /v1/ws sessions take
     * @param upgraded    counts this endpoint's WebSockets as sessions, not pending connections
     * @param admission   the node's check for a handshake that makes a new session; it answers refused ones itself
     * @param replayer    replays what a reconnecting client missed (connection state recovery)
     * @param positions   the node's delivery positions, from which the offsets events carry are built
     */
    public SocketIoEndpoint(WebSocketSettings settings, TokenVerifier tokenVerifier,
                            SubscriptionRegistry<Subscriber> registry, PartitionView partitions, SocketIoLimits limits,
                            LobSessionCounts lobSessions, UpgradedConnections upgraded,
                            Predicate<HttpServerExchange> admission, Replayer replayer, DeliveryPositions positions,
                            SessionMetrics metrics, TokenLifecycle tokenLifecycle,
                            io.notifyrelay.websocket.session.RecentCloses recentCloses,
                            DeliveryOutcomes outcomes) {
        this.context = new SocketIoContext(settings, tokenVerifier, registry, partitions, new ConcurrentHashMap<>(),
                settings.heartbeatInterval(), PING_TIMEOUT, new SocketIoContext.EncodingCache(), limits, lobSessions,
                new AtomicInteger(), replayer, positions, metrics, tokenLifecycle,
                recentCloses, outcomes);
        this.webSocketHandshake = new WebSocketProtocolHandshakeHandler(upgraded.counting(this::onWebSocket),
                exchange -> badRequest(exchange, 3, "Bad request"));
        this.admission = admission;
    }

    /** Engine.IO sessions that have not completed a CONNECT with a valid token. */
    public int unauthenticatedCount() {
        return context.unauthenticated().get();
    }

    /** Live socket.io sessions on this node. */
    public int sessionCount() {
        return context.sessions().size();
    }

    /** One Engine.IO heartbeat for every session: called by the node's one heartbeat timer, every ping interval. */
    public void heartbeat() {
        context.sessions().values().forEach(EngineIoSession::heartbeat);
    }

    /** Ends every session (their clients reconnect, to this node or another). */
    public void closeAll(String reason) {
        context.sessions().values().forEach(session -> session.close(io.notifyrelay.websocket.CloseCodes.GOING_AWAY,
                reason));
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (Methods.OPTIONS.equals(exchange.getRequestMethod())) {
            pollingHeaders(exchange);
            exchange.getResponseHeaders().put(ALLOW_METHODS, "GET, POST, OPTIONS");
            exchange.getResponseHeaders().put(ALLOW_HEADERS, "content-type");
            exchange.setStatusCode(204);
            exchange.endExchange();
            return;
        }
        if (!"4".equals(parameter(exchange, "EIO"))) {
            badRequest(exchange, 5, "Unsupported protocol version");
            return;
        }
        String transport = parameter(exchange, "transport");
        String sid = parameter(exchange, "sid");
        if (sid == null && ("websocket".equals(transport) || "polling".equals(transport)) && !admitNewSession(exchange)) {
            return;
        }
        if ("websocket".equals(transport)) {
            if (sid != null && !context.sessions().containsKey(sid)) {
                badRequest(exchange, 1, "Session ID unknown");
                return;
            }
            webSocketHandshake.handleRequest(exchange);
        } else if ("polling".equals(transport)) {
            polling(exchange, sid);
        } else {
            badRequest(exchange, 0, "Transport unknown");
        }
    }

    /** A handshake that would make a new session: the node's admission, then the bound on sessions without a token. */
    private boolean admitNewSession(HttpServerExchange exchange) {
        if (!admission.test(exchange)) {
            return false;
        }
        int waiting = context.unauthenticated().get();
        if (waiting >= context.limits().maxUnauthenticated()) {
            pollingHeaders(exchange);
            exchange.setStatusCode(503);
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            exchange.getResponseSender().send(SocketIoPackets.error(5, "node has its maximum of "
                    + context.limits().maxUnauthenticated() + " socket.io sessions without a token "
                    + "(RELAY_SOCKETIO_MAX_UNAUTHENTICATED); retry later"));
            return false;
        }
        return true;
    }

    private void polling(HttpServerExchange exchange, String sid) {
        if (sid == null) {
            if (!Methods.GET.equals(exchange.getRequestMethod())) {
                badRequest(exchange, 2, "Bad handshake method");
                return;
            }
            EngineIoSession session = newSession(exchange.getIoThread());
            byte[] open = session.openPacket(true);
            context.sessions().put(session.sid(), session);
            session.start();
            pollingHeaders(exchange);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=UTF-8");
            exchange.getResponseSender().send(ByteBuffer.wrap(open));
            return;
        }
        EngineIoSession session = context.sessions().get(sid);
        if (session == null) {
            badRequest(exchange, 1, "Session ID unknown");
            return;
        }
        if (Methods.GET.equals(exchange.getRequestMethod())) {
            session.transport().onPoll(exchange);
        } else if (Methods.POST.equals(exchange.getRequestMethod())) {
            if (!session.transport().isPolling()) {
                badRequest(exchange, 3, "Bad request");
                return;
            }
            exchange.setMaxEntitySize(context.maxPayloadBytes());
            exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                session.transport().onPollData(body);
                pollingHeaders(ex);
                ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/html");
                ex.getResponseSender().send("ok");
            }, (ex, error) -> {
                session.close("unreadable or too large POST: " + error);
                if (!ex.isResponseStarted()) {
                    ex.setStatusCode(413);
                    ex.endExchange();
                }
            });
        } else {
            badRequest(exchange, 2, "Bad request method");
        }
    }

    private void onWebSocket(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        String sid = first(exchange.getRequestParameters().get("sid"));
        EngineIoSession session;
        if (sid == null) {
            session = newSession(channel.getIoThread());
            session.transport().attachWebSocket(channel);
            context.sessions().put(session.sid(), session);
        } else {
            session = context.sessions().get(sid);
            if (session == null || !session.transport().attachProbe(channel)) {
                IoUtils.safeClose(channel);
                return;
            }
        }
        channel.getReceiveSetter().set(new FrameListener(session, context.maxPayloadBytes()));
        channel.addCloseTask(closed -> session.transport().onWebSocketClosed(closed));
        if (sid == null) {
            WebSockets.sendText(new String(session.openPacket(false), StandardCharsets.UTF_8), channel, null);
            session.start();
        }
        channel.resumeReceives();
    }

    private EngineIoSession newSession(XnioIoThread timerThread) {
        return new EngineIoSession(randomId(), randomId(), context, timerThread);
    }

    private static String randomId() {
        byte[] bytes = new byte[15];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String parameter(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isEmpty() ? null : values.peekFirst();
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    /** Long-polling responses may be read by pages of other origins (no credentials are involved). */
    static void pollingHeaders(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(ALLOW_ORIGIN, "*");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
    }

    static void badRequest(HttpServerExchange exchange, int code, String message) {
        pollingHeaders(exchange);
        exchange.setStatusCode(400);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(SocketIoPackets.error(code, message));
    }

    /**
     * Feeds a session the text frames of one of its WebSockets; runs on the connection's I/O thread. A message over
     * the payload limit closes the session with 1009, as on /v1/ws ({@link BoundedReceiveListener}).
     */
    private static final class FrameListener extends BoundedReceiveListener {
        private final EngineIoSession session;

        FrameListener(EngineIoSession session, int maxFrameBytes) {
            super(maxFrameBytes);
            this.session = session;
        }

        @Override
        protected void onMessage(WebSocketChannel channel, byte[] message, boolean text) {
            if (text) { // binary attachments are not supported
                session.transport().onWebSocketText(channel, new String(message, StandardCharsets.UTF_8));
            }
        }

        @Override
        protected void onTooBig(WebSocketChannel channel) {
            session.close(CloseCodes.MESSAGE_TOO_BIG, "packet larger than " + maxFrameBytes() + " bytes");
        }

        @Override
        protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            message.getData().free();
        }

        @Override
        protected void onError(WebSocketChannel channel, Throwable error) {
            session.close("WebSocket error: " + error);
            super.onError(channel, error);
        }
    }
}
