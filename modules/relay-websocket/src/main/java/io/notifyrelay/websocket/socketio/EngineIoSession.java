package io.notifyrelay.websocket.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.session.FrameRate;
import io.notifyrelay.websocket.session.OutboundBytes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;
import org.xnio.XnioIoThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket.io client: the Socket.IO connection to the root namespace carried by an Engine.IO v4 session, whose
 * packets travel on an {@link EngineIoTransport} (WebSocket, or HTTP long-polling until it upgrades).
 *
 * <p>Flow: Engine.IO {@code open} → client {@code CONNECT} with {@code auth: {token}} (verified like an
 * {@code auth} frame of /v1/ws) → {@code REGISTER_SOCKET {lob_id}} subscribes the session to its LOB in the
 * relay's subscription registry at the resume seam ({@link SocketIoStream}, which also recovers a reconnecting
 * client) → each notification arrives as a socket.io event. Delivery never blocks: bytes not yet written are
 * counted and a session past the limit is closed, as /v1/ws sessions are.
 */
final class EngineIoSession implements SocketIoStream.Session, EngineIoTransport.Packets {

    private static final Logger log = LoggerFactory.getLogger(EngineIoSession.class);
    private static final byte[] PING_PACKET = SocketIoPackets.engine(SocketIoPackets.PING, null);
    private static final int NORMAL_CLOSURE = EngineIoTransport.NORMAL_CLOSURE;

    private final String sid;
    private final String socketId;
    private final SocketIoContext context;
    private final XnioIoThread timerThread;
    /** The WebSocket or long-polling the packets travel on, with the bytes it has not written yet. */
    private final EngineIoTransport transport;
    private final OutboundBytes outbound;
    private volatile boolean closed; // written under "this"
    /** The registration (or recovery) once asked for; null before. */
    private SocketIoStream stream;
    /** The pid the client reconnected with, echoed in the CONNECT reply if the recovery is complete. */
    private String recoveringPid;
    /** The pid of this connection as the client knows it: a 4429 is remembered under it (RecentCloses). */
    private volatile String pid;
    /** Why the relay closed the connection the client came back from, told in RECOVERY; null if none known. */
    private volatile io.notifyrelay.websocket.session.RecentCloses.Close previousClose;
    /** An acknowledgement the first REGISTER_SOCKET asked for, answered once it is registered. */
    private Long registerAck;

    private volatile Principal principal;
    private volatile boolean connected;
    private volatile SocketIoContext.EventNames eventNames = SocketIoContext.EventNames.BOTH;
    /** Null unless the client connected with {@code auth.ack: true}. */
    private volatile SocketIoAcks acks;
    private volatile boolean awaitingPong;
    // guarded by "this": the CONNECT's token was refused; the session ignores what follows until it closes
    private boolean connectRefused;
    private boolean countedUnauthenticated = true;
    private String admittedLob; // the LOB whose per-LOB count this session holds
    /** Packets this second; guarded by "this". */
    private final FrameRate packetRate = new FrameRate();
    private XnioExecutor.Key connectTimer;
    /** The expiry warning and the close at exp + grace (TokenLifecycle), as for /v1/ws. */
    private final io.notifyrelay.websocket.internal.TokenExpiry expiry = new io.notifyrelay.websocket.internal.TokenExpiry();

    EngineIoSession(String sid, String socketId, SocketIoContext context, XnioIoThread timerThread) {
        this.sid = sid;
        this.socketId = socketId;
        this.context = context;
        this.timerThread = timerThread;
        this.transport = new EngineIoTransport(sid, context, this);
        this.outbound = transport.outbound();
        context.unauthenticated().incrementAndGet();
    }

    String sid() {
        return sid;
    }

    EngineIoTransport transport() {
        return transport;
    }

    private void send(byte[] packet) {
        transport.send(packet);
    }

    /** The Engine.IO {@code open} packet; {@code upgrades} lists websocket for polling sessions. */
    byte[] openPacket(boolean polling) {
        return SocketIoReplies.open(sid, context, polling);
    }

    /** Starts the deadline for the socket.io CONNECT; pings come from the node's one heartbeat timer. */
    void start() {
        long connectMs = context.settings().authTimeout().toMillis();
        connectTimer = timerThread.executeAfter(() -> {
            if (!connected) {
                close(CloseCodes.AUTH_TIMEOUT, "no socket.io CONNECT with a valid token within " + connectMs + " ms");
            }
        }, connectMs, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ Engine.IO and Socket.IO

    /** One Engine.IO packet from the client, whatever the transport. */
    @Override
    public void onPacket(String text) {
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

    /** Counts packets per second; past the limit the session is closed (1008 on a WebSocket). */
    private boolean admitPacket() {
        int limit = context.limits().maxPacketsPerSecond();
        synchronized (this) {
            if (closed || connectRefused) {
                return false;
            }
            if (packetRate.admit(limit, System.nanoTime())) {
                return true;
            }
        }
        close(CloseCodes.POLICY_VIOLATION, "more than " + limit + " packets per second (RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND)");
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
                        + SocketIoReplies.errorJson("Invalid namespace")).getBytes(StandardCharsets.UTF_8));
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
            acks = new SocketIoAcks(); // notification events then carry an acknowledgement id
        }
        connected = true;
        cancel(connectTimer);
        scheduleExpiry(verified.expiresAt());
        JsonNode pid = auth == null ? null : auth.get("pid");
        if (pid == null || pid.isNull()) {
            sendConnected(SocketIoRecovery.newPid());
            return;
        }
        SocketIoRecovery.Ask ask = SocketIoRecovery.read(pid, auth.get("offset"), context.positions().epoch());
        // the close frame of a 4429 may never have reached the client: told in RECOVERY
        previousClose = ask.pid() == null ? null : context.recentCloses().take(ask.pid(), verified.lobId()).orElse(null);
        if (ask.problem() != null) {
            sendConnected(SocketIoRecovery.newPid());
            sendRecovery(false, ask.problem());
            return;
        }
        // the CONNECT reply waits for the replay: socket.io-client buffers the replayed events until it comes,
        // and only then can the reply say whether the recovery was complete (the same pid) or not (a new one)
        SocketIoStream recovery;
        synchronized (this) {
            if (closed) {
                return;
            }
            recoveringPid = ask.pid();
            recovery = new SocketIoStream(this, context, ask.offset().asMap(), true);
            stream = recovery;
        }
        recovery.start();
    }

    private void sendConnected(String pid) {
        this.pid = pid;
        send(SocketIoReplies.connected(socketId, pid));
    }

    private void sendRecovery(boolean recovered, String reason) {
        send(SocketIoReplies.recovery(recovered, reason, previousClose));
    }

    @Override
    public void caughtUp(boolean recovered, String reason, String offset) {
        SocketIoStream current;
        String pid;
        Long ack;
        synchronized (this) {
            current = stream;
            pid = recoveringPid;
            ack = registerAck;
            registerAck = null;
        }
        if (current != null && current.recovering()) {
            sendConnected(recovered ? pid : SocketIoRecovery.newPid());
            sendRecovery(recovered, reason);
        } else {
            // the registration's own offset: a client that gets no event before it reconnects still recovers
            respond(true, principal.lobId(), SocketIoReplies.registeredMessage(socketId, principal, context), ack,
                    offset);
        }
    }

    private void refuseConnect(String message) {
        synchronized (this) {
            connectRefused = true;
        }
        send(SocketIoPackets.socket(SocketIoPackets.CONNECT_ERROR, SocketIoReplies.errorJson(message)));
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
        if (lobId == null || lobId.isBlank()) {
            respond(false, lobId, "REGISTER_SOCKET needs {\"lob_id\": \"<your LOB>\"}", ackId, null);
            return;
        }
        if (!lobId.equals(who.lobId())) {
            respond(false, lobId, "lob_id " + lobId + " is not the LOB of the token (" + who.lobId() + ")",
                    ackId, null);
            return;
        }
        SocketIoStream registration;
        synchronized (this) {
            if (closed) {
                return;
            }
            registration = stream == null ? new SocketIoStream(this, context, java.util.Map.of(), false) : null;
            if (registration != null) {
                stream = registration;
                registerAck = ackId;
            }
        }
        if (registration != null) {
            registration.start(); // answered at the seam, with the offset to recover from (caughtUp)
        } else {
            // registering twice is harmless
            respond(true, lobId, SocketIoReplies.registeredMessage(socketId, who, context), ackId, null);
        }
    }

    /** REGISTER_SOCKET_RESPONSE, and the acknowledgement if one was asked for. */
    private void respond(boolean success, String lobId, String message, Long ackId, String offset) {
        byte[] json = SocketIoReplies.registerResponse(socketId, success, lobId, message);
        // offset: a recovery offset for the response's last argument, or null
        send(offset == null ? SocketIoPackets.event(SocketIoContext.REGISTER_RESPONSE_EVENT, json)
                : SocketIoPackets.event(SocketIoContext.REGISTER_RESPONSE_EVENT, json, offset));
        if (ackId != null) {
            send(SocketIoPackets.ack(ackId, json));
        }
    }

    // ------------------------------------------------------------------ SocketIoStream.Session

    @Override
    public Principal principal() {
        return principal;
    }

    @Override
    public void sendPacket(byte[] packet) {
        send(packet);
    }

    /** The {@code notification} packet gets an acknowledgement id when the client connected with {@code auth.ack}. */
    @Override
    public void sendEvent(byte[] notification, byte[] typed, RelayEvent event) {
        SocketIoAcks ids = acks;
        byte[] first = notification == null || ids == null ? notification : ids.withAckId(notification, event);
        transport.sendEvent(first, typed, event);
    }

    /** The acknowledgement callback of a notification ran: one acknowledged receipt, once per event. */
    private void onAck(Long ackId) {
        SocketIoAcks ids = acks;
        Principal who = principal;
        if (ids == null || ackId == null || who == null) {
            return;
        }
        EventRef event = ids.take(ackId, who.lobId());
        if (event != null) {
            context.outcomes().acknowledged(event);
        }
    }

    @Override
    public SocketIoContext.EventNames eventNames() {
        return eventNames;
    }

    @Override
    public boolean hasRoom() {
        return outbound.hasRoom();
    }

    @Override
    public boolean awaitRoom(long nanos) {
        return outbound.awaitRoom(nanos);
    }

    @Override
    public void whenRoom(Runnable task) {
        outbound.whenRoom(task);
    }

    private boolean isClosed() {
        return closed;
    }

    /** Called by the node's heartbeat sweep once per ping interval. */
    void heartbeat() {
        if (awaitingPong) {
            close("no pong within " + context.pingInterval().toMillis() + " ms");
            return;
        }
        awaitingPong = true;
        send(PING_PACKET);
    }

    /**
     * As for /v1/ws (TokenLifecycle): a {@code TOKEN_EXPIRING} event before {@code exp}, and the transport closed at
     * {@code exp} + grace. socket.io-client then reconnects with its (fresh) auth and recovers what it missed; a
     * front-end may reconnect earlier on the warning ({@code socket.disconnect().connect()}) to refresh.
     */
    private void scheduleExpiry(Instant expiresAt) {
        Principal scheduledFor = principal;
        expiry.schedule(timerThread, context.tokenLifecycle(), expiresAt, (exp, refreshWithinMs) -> {
            if (principal == scheduledFor) {
                send(SocketIoReplies.tokenExpiring(exp, refreshWithinMs));
            }
        }, () -> close(CloseCodes.UNAUTHORIZED, "token expired"));
    }

    /** Lets the last packets (a CONNECT_ERROR) reach the client before the session ends. */
    @Override
    public void closeLater(String reason) {
        timerThread.executeAfter(() -> close(reason), 1, TimeUnit.SECONDS);
    }

    /** Ends the session: unsubscribes it, answers a waiting poll with {@code close}, closes its WebSockets. */
    void close(String reason) {
        close(NORMAL_CLOSURE, reason);
    }

    /**
     * @param code the close code a /v1/ws session would get (4429 too slow, 4401 token expired, 1001 node stopping,
     *             ...), counted in relay_sessions_closed and sent in the WebSocket's close frame; 1000 for ends
     *             that are not the relay's decision
     */
    @Override
    public void close(int code, String reason) {
        if (code != NORMAL_CLOSURE && !isClosed()) {
            context.metrics().closed(code);
            Principal who = principal;
            if (code == CloseCodes.TOO_SLOW && who != null && pid != null) {
                context.recentCloses().remember(pid, who.lobId(), code, reason);
            }
        }
        closeWith(code, reason);
    }

    private void closeWith(int webSocketCloseCode, String reason) {
        String releaseLob;
        SocketIoStream ending;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            ending = stream;
            releaseLob = admittedLob;
            admittedLob = null;
        }
        leaveUnauthenticated();
        log.debug("socket.io session {} closed: {}", sid, reason);
        cancel(connectTimer);
        expiry.cancel();
        if (ending != null) {
            ending.end();
        }
        if (releaseLob != null) {
            context.lobSessions().release(releaseLob);
        }
        context.sessions().remove(sid, this);
        transport.close(webSocketCloseCode, reason);
    }

    private static void cancel(XnioExecutor.Key key) {
        if (key != null) {
            key.remove();
        }
    }
}
