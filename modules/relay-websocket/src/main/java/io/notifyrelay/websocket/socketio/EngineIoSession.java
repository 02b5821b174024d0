package io.notifyrelay.websocket.socketio;

import io.notifyrelay.websocket.internal.AckWindow;
import io.notifyrelay.core.log.RateLimitedLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.routing.Subscriber;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.Headers;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket.io client: an Engine.IO v4 session (WebSocket, or HTTP long-polling until it upgrades) carrying
 * one Socket.IO connection to the root namespace.
 *
 * <p>Flow: Engine.IO {@code open} → client {@code CONNECT} with {@code auth: {token}} (verified like an
 * {@code auth} frame of /v1/ws) → {@code REGISTER_SOCKET {lob_id}} subscribes the session to its LOB in the
 * relay's subscription registry → each notification arrives as a socket.io event. Events arrive on the
 * consumer thread through {@link #deliver}, which never blocks: bytes not yet written are counted and a
 * session past the limit is closed, as /v1/ws sessions are.
 */
final class EngineIoSession implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(EngineIoSession.class);
    /** Should never happen; if it does, every live event could say so: at most a few lines a second. */
    private static final RateLimitedLog refusedLog = new RateLimitedLog(log, 5);
    private static final byte[] PING_PACKET = SocketIoPackets.engine(SocketIoPackets.PING, null);
    private static final byte[] NOOP_PACKET = SocketIoPackets.engine(SocketIoPackets.NOOP, null);
    private static final byte[] CLOSE_PACKET = SocketIoPackets.engine(SocketIoPackets.CLOSE, null);
    private static final int NORMAL_CLOSURE = 1000;
    private static final int POLICY_VIOLATION = 1008;
    private static final AttachmentKey<EngineIoSession> POLLING_SESSION = AttachmentKey.create(EngineIoSession.class);

    private final String sid;
    private final String socketId;
    private final SocketIoContext context;
    private final XnioIoThread timerThread;
    private final AtomicLong pendingBytes = new AtomicLong();

    // transport state, guarded by "this"
    private WebSocketChannel webSocket;
    private WebSocketChannel probe;
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    private HttpServerExchange pendingPoll;
    private boolean closed;
    private String registeredLob;

    private volatile Principal principal;
    private volatile boolean connected;
    private volatile SocketIoContext.EventNames eventNames = SocketIoContext.EventNames.BOTH;
    /** Null unless the client connected with {@code auth.ack: true}. */
    private volatile AckWindow acks;
    private final java.util.concurrent.atomic.AtomicLong nextAckId = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean awaitingPong;
    // guarded by "this": the CONNECT's token was refused; the session ignores what follows until it closes
    private boolean connectRefused;
    private boolean countedUnauthenticated = true;
    private String admittedLob; // the LOB whose per-LOB count this session holds
    private long packetSecond;
    private int packetsThisSecond;
    private XnioExecutor.Key pingTimer;
    private XnioExecutor.Key connectTimer;
    private XnioExecutor.Key expiryTimer;

    EngineIoSession(String sid, String socketId, SocketIoContext context, XnioIoThread timerThread) {
        this.sid = sid;
        this.socketId = socketId;
        this.context = context;
        this.timerThread = timerThread;
        context.unauthenticated().incrementAndGet();
    }

    String sid() {
        return sid;
    }

    /** The Engine.IO {@code open} packet; {@code upgrades} lists websocket for polling sessions. */
    byte[] openPacket(boolean polling) {
        ObjectNode open = SocketIoPackets.JSON.createObjectNode();
        open.put("sid", sid);
        open.putArray("upgrades");
        if (polling) {
            open.withArray("upgrades").add("websocket");
        }
        open.put("pingInterval", context.pingInterval().toMillis());
        open.put("pingTimeout", context.pingTimeout().toMillis());
        open.put("maxPayload", context.maxPayloadBytes());
        return SocketIoPackets.engine(SocketIoPackets.OPEN, open.toString());
    }

    /** Starts the heartbeat and the deadline for the socket.io CONNECT. */
    void start() {
        long intervalMs = context.pingInterval().toMillis();
        pingTimer = timerThread.executeAtInterval(this::heartbeat, intervalMs, TimeUnit.MILLISECONDS);
        long connectMs = context.settings().authTimeout().toMillis();
        connectTimer = timerThread.executeAfter(() -> {
            if (!connected) {
                close("no socket.io CONNECT with a valid token within " + connectMs + " ms");
            }
        }, connectMs, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ transports

    /** A WebSocket that is this session's transport from the start ({@code transport=websocket}, no sid). */
    synchronized void attachWebSocket(WebSocketChannel channel) {
        webSocket = channel;
    }

    /** A WebSocket opened to upgrade this polling session: probed with {@code 2probe}, switched by {@code 5}. */
    synchronized boolean attachProbe(WebSocketChannel channel) {
        if (closed || webSocket != null || probe != null) {
            return false;
        }
        probe = channel;
        return true;
    }

    /** A text frame from one of this session's WebSockets. */
    void onWebSocketText(WebSocketChannel channel, String text) {
        boolean isProbe;
        synchronized (this) {
            isProbe = channel == probe;
        }
        if (isProbe) {
            onProbeText(channel, text);
        } else {
            onPacket(text);
        }
    }

    private void onProbeText(WebSocketChannel channel, String text) {
        if ("2probe".equals(text)) {
            WebSockets.sendText("3probe", channel, null);
            synchronized (this) {
                // the client waits for its pending poll to end before it upgrades
                if (pendingPoll != null) {
                    answerPoll(pendingPoll, NOOP_PACKET, 0);
                    pendingPoll = null;
                }
            }
        } else if (text.length() == 1 && text.charAt(0) == SocketIoPackets.UPGRADE) {
            List<byte[]> backlog;
            synchronized (this) {
                if (closed || channel != probe) {
                    return;
                }
                webSocket = probe;
                probe = null;
                backlog = new ArrayList<>(outbox);
                outbox.clear();
                if (pendingPoll != null) {
                    answerPoll(pendingPoll, NOOP_PACKET, 0);
                    pendingPoll = null;
                }
                for (byte[] packet : backlog) {
                    // already counted in pendingBytes when queued
                    WebSockets.sendText(ByteBuffer.wrap(packet), webSocket, new Written(packet.length));
                }
            }
        }
    }

    /** A WebSocket of this session closed. */
    void onWebSocketClosed(WebSocketChannel channel) {
        boolean transportLost;
        synchronized (this) {
            if (channel == probe) {
                probe = null;
                return;
            }
            transportLost = channel == webSocket;
        }
        if (transportLost) {
            close("transport closed");
        }
    }

    /** GET of a polling session: answered now when packets wait, else held until one does (or a ping). */
    void onPoll(HttpServerExchange exchange) {
        synchronized (this) {
            if (closed) {
                answerPoll(exchange, CLOSE_PACKET, 0);
                return;
            }
            if (webSocket != null || probe != null) {
                answerPoll(exchange, NOOP_PACKET, 0);
                return;
            }
            if (pendingPoll != null) {
                // Engine.IO allows one pending GET; a second one is a protocol error
                SocketIoEndpoint.badRequest(exchange, 3, "overlapping poll");
                closeLater("overlapping polls");
                return;
            }
            if (!outbox.isEmpty()) {
                flushTo(exchange);
                return;
            }
            pendingPoll = exchange;
            // a poll the client abandoned (its connection closed) must not swallow packets; one listener per
            // connection and session, as keep-alive connections carry many polls
            ServerConnection connection = exchange.getConnection();
            if (connection.putAttachment(POLLING_SESSION, this) != this) {
                connection.addCloseListener(this::onPollConnectionClosed);
            }
            exchange.dispatch(SameThreadExecutor.INSTANCE, () -> { });
        }
    }

    private synchronized void onPollConnectionClosed(ServerConnection connection) {
        if (pendingPoll != null && pendingPoll.getConnection() == connection) {
            pendingPoll = null;
        }
    }

    /** POST of a polling session: its body holds packets separated by the record separator. */
    void onPollData(byte[] body) {
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == SocketIoPackets.RECORD_SEPARATOR) {
                if (i > start) {
                    onPacket(new String(body, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
    }

    synchronized boolean isPolling() {
        return webSocket == null && !closed;
    }

    private void flushTo(HttpServerExchange exchange) {
        List<byte[]> packets = new ArrayList<>(outbox);
        outbox.clear();
        int size = 0;
        for (byte[] packet : packets) {
            size += packet.length;
        }
        answerPoll(exchange, SocketIoPackets.join(packets), size);
    }

    private void answerPoll(HttpServerExchange exchange, byte[] payload, int countedBytes) {
        Runnable send = () -> {
            SocketIoEndpoint.pollingHeaders(exchange);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=UTF-8");
            exchange.getResponseSender().send(ByteBuffer.wrap(payload));
            pendingBytes.addAndGet(-countedBytes);
        };
        if (exchange.isInIoThread()) {
            send.run();
        } else {
            exchange.getIoThread().execute(send);
        }
    }

    /** Sends an Engine.IO packet on whatever transport the session has now. */
    private void send(byte[] packet) {
        boolean tooSlow;
        synchronized (this) {
            if (closed) {
                return;
            }
            long pending = pendingBytes.addAndGet(packet.length);
            tooSlow = pending > context.settings().maxOutboundBytes();
            if (!tooSlow) {
                if (webSocket != null) {
                    WebSockets.sendText(ByteBuffer.wrap(packet), webSocket, new Written(packet.length));
                } else {
                    outbox.add(packet);
                    if (pendingPoll != null && probe == null) {
                        HttpServerExchange poll = pendingPoll;
                        pendingPoll = null;
                        flushTo(poll);
                    }
                }
            }
        }
        if (tooSlow) {
            close("session too slow: more than " + context.settings().maxOutboundBytes() + " bytes waiting");
        }
    }

    // ------------------------------------------------------------------ Engine.IO and Socket.IO

    /** One Engine.IO packet from the client, whatever the transport. */
    void onPacket(String text) {
        if (!admitPacket()) {
            return;
        }
        if (text.isEmpty()) {
            return;
        }
        switch (text.charAt(0)) {
            case SocketIoPackets.PONG -> awaitingPong = false;
            case SocketIoPackets.PING -> send(SocketIoPackets.engine(SocketIoPackets.PONG, text.substring(1)));
            case SocketIoPackets.MESSAGE -> onSocketIoPacket(text.substring(1));
            case SocketIoPackets.CLOSE -> close("client closed");
            default -> {
                // noop, upgrade outside a probe, unknown: nothing to do
            }
        }
    }

    /** Counts packets per wall-clock second; past the limit the session is closed (1008 on a WebSocket). */
    private boolean admitPacket() {
        int limit = context.limits().maxPacketsPerSecond();
        synchronized (this) {
            if (closed || connectRefused) {
                return false;
            }
            long second = System.nanoTime() / 1_000_000_000L;
            if (second != packetSecond) {
                packetSecond = second;
                packetsThisSecond = 0;
            }
            if (++packetsThisSecond <= limit) {
                return true;
            }
        }
        close(POLICY_VIOLATION, "more than " + limit + " packets per second (RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND)");
        return false;
    }

    /** The session no longer counts as one without a token: it connected, or it closed. Once only. */
    private synchronized boolean leaveUnauthenticated() {
        if (!countedUnauthenticated) {
            return false;
        }
        countedUnauthenticated = false;
        context.unauthenticated().decrementAndGet();
        return true;
    }

    private void onSocketIoPacket(String text) {
        SocketIoPackets.Packet packet = SocketIoPackets.parse(text);
        if (packet == null) {
            log.debug("socket.io session {}: unreadable packet", sid);
            return;
        }
        if (!"/".equals(packet.namespace())) {
            if (packet.type() == SocketIoPackets.CONNECT) {
                send(("" + SocketIoPackets.MESSAGE + SocketIoPackets.CONNECT_ERROR + packet.namespace() + ","
                        + errorJson("Invalid namespace")).getBytes(StandardCharsets.UTF_8));
            }
            return;
        }
        switch (packet.type()) {
            case SocketIoPackets.CONNECT -> onConnect(packet.data());
            case SocketIoPackets.DISCONNECT -> close("client disconnected");
            case SocketIoPackets.EVENT -> onEvent(packet);
            case SocketIoPackets.ACK -> onAck(packet.ackId());
            default -> {
                // acks from the client, binary packets: not used by this server
            }
        }
    }

    private void onConnect(JsonNode auth) {
        if (connected) {
            return;
        }
        JsonNode token = auth == null ? null : auth.get("token");
        Principal verified;
        try {
            verified = context.tokenVerifier().verify(token != null && token.isTextual() ? token.asText() : null);
        } catch (AuthenticationException e) {
            refuseConnect(e.getMessage());
            return;
        }
        boolean admitted;
        synchronized (this) { // with close(): a count taken here is released there
            if (closed) {
                return;
            }
            admitted = context.lobSessions().tryAdmit(verified.lobId());
            if (admitted) {
                admittedLob = verified.lobId();
            }
        }
        if (!admitted) {
            refuseConnect("the LOB has its maximum of sessions on this node (RELAY_MAX_SESSIONS_PER_LOB); retry later");
            return;
        }
        leaveUnauthenticated();
        principal = verified;
        eventNames = SocketIoContext.EventNames.parse(auth == null ? null : auth.path("events").asText(null));
        if (auth != null && auth.path("ack").asBoolean(false)) {
            acks = new AckWindow(); // notification events then carry an acknowledgement id
        }
        connected = true;
        cancel(connectTimer);
        scheduleExpiry(verified.expiresAt());
        send(SocketIoPackets.socket(SocketIoPackets.CONNECT,
                SocketIoPackets.JSON.createObjectNode().put("sid", socketId).toString()));
    }

    private void refuseConnect(String message) {
        synchronized (this) {
            connectRefused = true;
        }
        send(SocketIoPackets.socket(SocketIoPackets.CONNECT_ERROR, errorJson(message)));
        closeLater("connect refused: " + message);
    }

    private void onEvent(SocketIoPackets.Packet packet) {
        JsonNode args = packet.data();
        if (!connected || args == null || !args.isArray() || args.isEmpty() || !args.get(0).isTextual()) {
            return;
        }
        if (SocketIoContext.REGISTER_EVENT.equals(args.get(0).asText())) {
            register(args.get(1), packet.ackId());
        }
    }

    /** REGISTER_SOCKET {lob_id}: the LOB must be the token's; answered with REGISTER_SOCKET_RESPONSE (and the ack). */
    private void register(JsonNode argument, Long ackId) {
        Principal who = principal;
        JsonNode lobNode = argument != null && argument.isObject() ? argument.get("lob_id") : null;
        String lobId = lobNode != null && lobNode.isTextual() ? lobNode.asText() : null;
        ObjectNode response = SocketIoPackets.JSON.createObjectNode();
        if (lobId == null || lobId.isBlank()) {
            respond(response, false, lobId, "REGISTER_SOCKET needs {\"lob_id\": \"<your LOB>\"}", ackId);
            return;
        }
        if (!lobId.equals(who.lobId())) {
            respond(response, false, lobId, "lob_id " + lobId + " is not the LOB of the token (" + who.lobId() + ")",
                    ackId);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            if (registeredLob == null) {
                registeredLob = lobId;
                if (who.restrictedToContacts()) {
                    context.registry().subscribeContacts(lobId, who.allowedContacts(), this);
                } else {
                    context.registry().subscribeLob(lobId, this);
                }
            }
        }
        respond(response, true, lobId, registeredMessage(who), ackId);
    }

    private String registeredMessage(Principal who) {
        String message = "Socket " + socketId + " registered for LOB " + who.lobId()
                + (who.restrictedToContacts() ? " (the token's " + who.allowedContacts().size() + " contacts)" : "")
                + " on relay node " + context.settings().nodeId() + ".";
        int owned = context.partitions().ownedPartitions().size();
        int total = context.partitions().partitionCount();
        if (owned < total) {
            message += " Warning: this node serves " + owned + " of " + total + " partitions and socket.io sessions "
                    + "are not moved between nodes, so this socket receives only the notifications of those partitions. "
                    + "Run the relay with RELAY_MODE=broadcast (or a single node) for socket.io clients, or use the "
                    + "/v1/ws protocol (@notify-relay/client), which follows partitions across nodes.";
        }
        return message;
    }

    private void respond(ObjectNode response, boolean success, String lobId, String message, Long ackId) {
        response.put("success", success);
        if (lobId == null) {
            response.putNull("lobId");
        } else {
            response.put("lobId", lobId);
        }
        response.put("socketId", socketId);
        response.put("message", message);
        byte[] json = response.toString().getBytes(StandardCharsets.UTF_8);
        send(SocketIoPackets.event(SocketIoContext.REGISTER_RESPONSE_EVENT, json));
        if (ackId != null) {
            send(SocketIoPackets.ack(ackId, json));
        }
    }

    @Override
    public void deliver(RelayEvent event) {
        Principal who = principal;
        String lob;
        synchronized (this) {
            lob = registeredLob;
        }
        if (who == null || lob == null) {
            return;
        }
        if (!lob.equals(event.lobId()) || !who.mayReceive(event.contactId())) {
            // the registry should make this impossible; never let it through if it happens
            refusedLog.error("Refused to deliver {} to socket.io session {} of lob {}", event, sid, lob);
            return;
        }
        SocketIoContext.Encoded encoded = context.encode(event);
        SocketIoContext.EventNames names = eventNames;
        if (names.generic()) {
            AckWindow window = acks;
            send(window == null ? encoded.generic() : withAckId(encoded.generic(), event, window));
        }
        if (names.typed()) {
            send(encoded.typed());
        }
    }

    /** {@code 42<id>["notification",…]}: the client's callback answers {@code 43<id>[…]}, see {@link #onAck}. */
    private byte[] withAckId(byte[] packet, RelayEvent event, AckWindow window) {
        String id = Long.toString(nextAckId.incrementAndGet());
        window.sent(id, event);
        byte[] digits = id.getBytes(StandardCharsets.US_ASCII);
        byte[] withId = new byte[packet.length + digits.length];
        System.arraycopy(packet, 0, withId, 0, 2);
        System.arraycopy(digits, 0, withId, 2, digits.length);
        System.arraycopy(packet, 2, withId, 2 + digits.length, packet.length - 2);
        return withId;
    }

    /** The acknowledgement callback of a notification ran: one acknowledged receipt, once per event. */
    private void onAck(Long ackId) {
        AckWindow window = acks;
        Principal who = principal;
        if (window == null || ackId == null || who == null) {
            return;
        }
        io.notifyrelay.core.receipt.EventRef event = window.take(Long.toString(ackId), who.lobId());
        if (event != null) {
            context.outcomes().acknowledged(event);
        }
    }

    private void heartbeat() {
        if (awaitingPong) {
            close("no pong within " + context.pingInterval().toMillis() + " ms");
            return;
        }
        awaitingPong = true;
        send(PING_PACKET);
    }

    /** At expiry the transport is closed; socket.io-client reconnects and sends its (fresh) auth again. */
    private void scheduleExpiry(Instant expiresAt) {
        long delayMs = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
        expiryTimer = timerThread.executeAfter(() -> close("token expired"), delayMs, TimeUnit.MILLISECONDS);
    }

    /** Lets the last packets (a CONNECT_ERROR) reach the client before the session ends. */
    private void closeLater(String reason) {
        timerThread.executeAfter(() -> close(reason), 1, TimeUnit.SECONDS);
    }

    /** Ends the session: unsubscribes it, answers a waiting poll with {@code close}, closes its WebSockets. */
    void close(String reason) {
        close(NORMAL_CLOSURE, reason);
    }

    private void close(int webSocketCloseCode, String reason) {
        WebSocketChannel ws;
        String releaseLob;
        WebSocketChannel probing;
        HttpServerExchange poll;
        String lob;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ws = webSocket;
            probing = probe;
            poll = pendingPoll;
            pendingPoll = null;
            outbox.clear();
            lob = registeredLob;
            registeredLob = null;
            releaseLob = admittedLob;
            admittedLob = null;
        }
        leaveUnauthenticated();
        log.debug("socket.io session {} closed: {}", sid, reason);
        cancel(pingTimer);
        cancel(connectTimer);
        cancel(expiryTimer);
        Principal who = principal;
        if (lob != null && who != null) {
            if (who.restrictedToContacts()) {
                context.registry().unsubscribeContacts(lob, who.allowedContacts(), this);
            } else {
                context.registry().unsubscribeLob(lob, this);
            }
        }
        if (releaseLob != null) {
            context.lobSessions().release(releaseLob);
        }
        context.sessions().remove(sid, this);
        if (poll != null) {
            answerPoll(poll, CLOSE_PACKET, 0);
        }
        for (WebSocketChannel channel : new WebSocketChannel[] {ws, probing}) {
            if (channel != null && channel.isOpen()) {
                WebSockets.sendClose(webSocketCloseCode, "", channel, null);
                channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                        context.settings().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private static String errorJson(String message) {
        return SocketIoPackets.JSON.createObjectNode().put("message", message).toString();
    }

    private static void cancel(XnioExecutor.Key key) {
        if (key != null) {
            key.remove();
        }
    }

    private final class Written implements WebSocketCallback<Void> {
        private final int size;

        Written(int size) {
            this.size = size;
        }

        @Override
        public void complete(WebSocketChannel channel, Void context) {
            pendingBytes.addAndGet(-size);
        }

        @Override
        public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
            pendingBytes.addAndGet(-size);
            log.debug("Write to socket.io session {} failed: {}", sid, throwable.toString());
            IoUtils.safeClose(channel);
        }
    }
}
