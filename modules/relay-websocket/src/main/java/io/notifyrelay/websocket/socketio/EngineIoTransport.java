package io.notifyrelay.websocket.socketio;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.session.OutboundBytes;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

/**
 * How an Engine.IO session's packets travel: a WebSocket ({@code transport=websocket}), or HTTP long-polling until
 * the client upgrades ({@code 2probe}/{@code 3probe}/{@code 5}). Counts what it has not written yet in the session's
 * {@link OutboundBytes}; knows nothing of Socket.IO: packets from the client go to {@link Packets#onPacket}.
 */
final class EngineIoTransport {

    private static final Logger log = LoggerFactory.getLogger(EngineIoTransport.class);
    private static final byte[] NOOP_PACKET = SocketIoPackets.engine(SocketIoPackets.NOOP, null);
    private static final byte[] CLOSE_PACKET = SocketIoPackets.engine(SocketIoPackets.CLOSE, null);
    static final int NORMAL_CLOSURE = 1000;
    private static final AttachmentKey<EngineIoTransport> POLLING_SESSION = AttachmentKey.create(EngineIoTransport.class);

    /** The session the packets are for. */
    interface Packets {
        void onPacket(String text);

        void close(int code, String reason);

        /** Closes after a moment, so the last packets can still reach the client. */
        void closeLater(String reason);
    }

    private final String sid;
    private final SocketIoContext context;
    private final OutboundBytes outbound;
    private final Packets session;

    // guarded by "this"
    private WebSocketChannel webSocket;
    private WebSocketChannel probe;
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
    private HttpServerExchange pendingPoll;
    private volatile boolean closed; // written under "this", read without it (the room waiters)

    EngineIoTransport(String sid, SocketIoContext context, Packets session) {
        this.sid = sid;
        this.context = context;
        this.session = session;
        this.outbound = new OutboundBytes(context.settings().maxOutboundBytes(), this::isClosed);
    }

    OutboundBytes outbound() {
        return outbound;
    }

    boolean isClosed() {
        return closed;
    }


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
            session.onPacket(text);
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
                    // already counted in outbound when queued
                    WebSockets.sendText(ByteBuffer.wrap(packet), webSocket, new Written(packet.length, null));
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
            session.close(NORMAL_CLOSURE, "transport closed");
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
                session.closeLater("overlapping polls");
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
                    session.onPacket(new String(body, start, i - start, StandardCharsets.UTF_8));
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
            outbound.released(countedBytes);
        };
        if (exchange.isInIoThread()) {
            send.run();
        } else {
            exchange.getIoThread().execute(send);
        }
    }

    /** Sends an Engine.IO packet on whatever transport the session has now. */
    void send(byte[] packet) {
        sendEvent(packet, null, null);
    }

    /**
     * Sends the packets of one event (either may be null), counted against the bound together: an event under two
     * names is queued whole or not at all, and a drop is reported for the event whichever packet did not fit.
     *
     * @param event the event, for its delivery latency once written and a dropped receipt if it never is; null for
     *              packets that carry none
     */
    void sendEvent(byte[] packet, byte[] second, RelayEvent event) {
        long size = (packet == null ? 0 : packet.length) + (second == null ? 0 : second.length);
        boolean tooSlow;
        synchronized (this) {
            if (closed) {
                return;
            }
            tooSlow = !outbound.add(size);
            if (!tooSlow) {
                queue(packet, event);
                queue(second, packet == null ? event : null); // one packet stands for the event
            }
        }
        if (tooSlow) {
            context.metrics().dropped("slow_session");
            if (event != null) {
                context.outcomes().dropped(event);
            }
            session.close(CloseCodes.TOO_SLOW, "session too slow: more than " + context.settings().maxOutboundBytes()
                    + " bytes waiting");
        }
    }

    /** Under the lock, with its bytes already counted. */
    private void queue(byte[] packet, RelayEvent event) {
        if (packet == null) {
            return;
        }
        if (webSocket != null) {
            WebSockets.sendText(ByteBuffer.wrap(packet), webSocket, new Written(packet.length, event));
        } else {
            outbox.add(packet);
            if (pendingPoll != null && probe == null) {
                HttpServerExchange poll = pendingPoll;
                pendingPoll = null;
                flushTo(poll);
            }
        }
    }

    /** Ends the transport: a waiting poll is answered with {@code close}, the WebSockets get a close frame. */
    void close(int webSocketCloseCode, String reason) {
        WebSocketChannel ws;
        WebSocketChannel probing;
        HttpServerExchange poll;
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
        }
        outbound.close(); // a waiting replay gives up
        if (poll != null) {
            answerPoll(poll, CLOSE_PACKET, 0);
        }
        for (WebSocketChannel channel : new WebSocketChannel[] {ws, probing}) {
            if (channel != null && channel.isOpen()) {
                WebSockets.sendClose(webSocketCloseCode, truncate(reason), channel, null);
                channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                        context.settings().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Close reasons are limited to 123 bytes by RFC 6455. */
    private static String truncate(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= 123 ? reason
                : new String(bytes, 0, 120, StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
    }

    private final class Written implements WebSocketCallback<Void> {
        private final int size;
        /** Null for packets that carry no event. */
        private final RelayEvent event;

        Written(int size, RelayEvent event) {
            this.size = size;
            this.event = event;
        }

        @Override
        public void complete(WebSocketChannel channel, Void ignored) {
            outbound.released(size);
            if (event != null) {
                context.metrics().written(event.timestampMs()); // relay_delivery_latency, as for /v1/ws
            }
        }

        @Override
        public void onError(WebSocketChannel channel, Void ignored, Throwable throwable) {
            outbound.released(size);
            if (event != null) {
                context.metrics().dropped("write_failed");
                context.outcomes().dropped(event);
            }
            log.debug("Write to socket.io session {} failed: {}", sid, throwable.toString());
            IoUtils.safeClose(channel);
        }
    }
}
