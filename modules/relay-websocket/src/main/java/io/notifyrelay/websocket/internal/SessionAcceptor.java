package io.notifyrelay.websocket.internal;

import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Creates a session for each WebSocket connection and keeps the set of live ones. */
public final class SessionAcceptor implements WebSocketConnectionCallback {

    private final ConcurrentMap<String, WsSession> sessions = new ConcurrentHashMap<>();
    private final SessionContext context;

    public SessionAcceptor(SessionContextFactory contextFactory) {
        this.context = contextFactory.create(session -> sessions.remove(session.id()));
    }

    /** Builds the shared context once the acceptor can supply its close hook. */
    @FunctionalInterface
    public interface SessionContextFactory {
        SessionContext create(java.util.function.Consumer<WsSession> onSessionClosed);
    }

    @Override
    public void onConnect(WebSocketHttpExchange exchange, WebSocketChannel channel) {
        WsSession session = new WsSession(UUID.randomUUID().toString(), channel, context);
        sessions.put(session.id(), session);
        channel.addCloseTask(closed -> session.onClosed());
        channel.getReceiveSetter().set(new SessionListener(session, context.settings().maxInboundFrameBytes()));
        session.onOpen();
        channel.resumeReceives();
    }

    public Collection<WsSession> sessions() {
        return sessions.values();
    }

    public SessionContext context() {
        return context;
    }
}
