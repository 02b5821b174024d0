package io.notifyrelay.websocket.listener;

import io.notifyrelay.websocket.ListenerBounds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;

/**
 * Admission at accept, before Undertow sees a byte: a connection over {@link ListenerBounds#maxConnections()}, or
 * one more connection that is not a WebSocket session than {@link ListenerBounds#maxPendingConnections()}, gets a
 * 503 (plain HTTP; over TLS it is closed) and is closed at once, so a flood of connections never holds more
 * descriptors than the bound and the accept loop never meets EMFILE.
 */
final class AdmissionGate implements ChannelListener<AcceptingChannel<StreamConnection>> {

    static final String MAX_CONNECTIONS = "max_connections";
    static final String MAX_PENDING_CONNECTIONS = "max_pending_connections";
    private static final Logger log = LoggerFactory.getLogger(AdmissionGate.class);
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final ChannelListener<StreamConnection> next;
    private final ListenerBounds bounds;
    private final AtomicInteger open = new AtomicInteger();
    private final IntSupplier upgradedConnections;
    private final boolean plainHttp;
    private final ObjIntConsumer<String> onRefused;
    private volatile long lastLoggedNanos = System.nanoTime() - LOG_INTERVAL_NANOS;

    /**
     * @param upgradedConnections those of them that became WebSocket sessions (either transport)
     * @param onRefused           told the reason of each refusal and the open count at that moment
     */
    AdmissionGate(ChannelListener<StreamConnection> next, ListenerBounds bounds, IntSupplier upgradedConnections,
                  boolean plainHttp, ObjIntConsumer<String> onRefused) {
        this.next = next;
        this.bounds = bounds;
        this.upgradedConnections = upgradedConnections;
        this.plainHttp = plainHttp;
        this.onRefused = onRefused;
    }

    @Override
    public void handleEvent(AcceptingChannel<StreamConnection> channel) {
        StreamConnection connection;
        try {
            connection = channel.accept();
        } catch (IOException e) {
            logAtMostEvery10s("accept failed: {}", e.toString());
            return;
        }
        if (connection == null) {
            return;
        }
        int withThisOne = open.get() + 1;
        if (withThisOne > bounds.maxConnections()) {
            refuse(connection, MAX_CONNECTIONS, withThisOne, "node has its maximum of " + bounds.maxConnections()
                    + " connections (RELAY_MAX_CONNECTIONS)");
        } else if (withThisOne - upgradedConnections.getAsInt() > bounds.maxPendingConnections()) {
            refuse(connection, MAX_PENDING_CONNECTIONS, withThisOne, "node has its maximum of "
                    + bounds.maxPendingConnections() + " connections that are not sessions (RELAY_MAX_PENDING_CONNECTIONS)");
        } else {
            admit(connection);
        }
    }

    /**
     * Counts the connection until it closes. Undertow sets the connection's close listener (its
     * {@code ServerConnection} close hooks, which outlive a WebSocket upgrade) when it takes the connection, so ours
     * wraps that one; a connection Undertow closed at once is released here instead, once either way.
     */
    private void admit(StreamConnection connection) {
        open.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                open.decrementAndGet();
            }
        };
        next.handleEvent(connection);
        ChannelListener<? super StreamConnection> undertows = connection.getCloseListener();
        connection.setCloseListener(closed -> {
            release.run();
            ChannelListeners.invokeChannelListener(closed, undertows);
        });
        if (!connection.isOpen()) {
            release.run();
        }
    }

    /** Connections admitted and not yet closed. */
    int openConnections() {
        return open.get();
    }

    private void refuse(StreamConnection connection, String reason, int open, String message) {
        onRefused.accept(reason, open);
        if (plainHttp) {
            byte[] body = (message + "; retry later or connect to another node\n").getBytes(StandardCharsets.US_ASCII);
            String head = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n";
            ByteBuffer response = ByteBuffer.allocate(head.length() + body.length)
                    .put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
            try {
                // a fresh socket's send buffer takes these few hundred bytes at once; no wait for the client
                connection.getSinkChannel().write(response);
                connection.getSinkChannel().flush();
            } catch (IOException e) {
                // the client went away already: nothing to tell it
            }
        }
        IoUtils.safeClose(connection);
        logAtMostEvery10s("refusing connections: {} ({} open)", message, open);
    }

    private void logAtMostEvery10s(String format, Object... arguments) {
        long now = System.nanoTime();
        long last = lastLoggedNanos;
        if (now - last >= LOG_INTERVAL_NANOS) {
            lastLoggedNanos = now;
            log.warn(format, arguments);
        }
    }
}
