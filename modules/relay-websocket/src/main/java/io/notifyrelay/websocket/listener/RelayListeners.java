package io.notifyrelay.websocket.listener;

import io.notifyrelay.websocket.ListenerBounds;
import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.ObjIntConsumer;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

/**
 * The node's HTTP listeners on one XNIO worker, opened the way {@code io.undertow.Undertow} opens them (same
 * worker, buffer and socket options) but with an {@link AdmissionGate} in front of the client listener and the
 * {@link ListenerBounds} as Undertow options, so every connection is counted before Undertow parses a byte.
 */
public final class RelayListeners implements AutoCloseable {

    private static final int BUFFER_SIZE = 16 * 1024 - 20; // Undertow's own choice for heaps over 128 MB

    private final XnioWorker worker;
    private final ByteBufferPool buffers;
    private final List<AcceptingChannel<? extends StreamConnection>> channels = new ArrayList<>();
    private final List<HttpOpenListener> openListeners = new ArrayList<>();
    private volatile AdmissionGate clientGate;

    private RelayListeners(XnioWorker worker, ByteBufferPool buffers) {
        this.worker = worker;
        this.buffers = buffers;
    }

    /** A worker with Undertow's default threads: I/O threads = cores (at least 2), 8 task threads per I/O thread. */
    public static RelayListeners open() {
        int ioThreads = Math.max(Runtime.getRuntime().availableProcessors(), 2);
        try {
            XnioWorker worker = Xnio.getInstance(io.undertow.Undertow.class.getClassLoader()).createWorker(OptionMap.builder()
                    .set(Options.WORKER_IO_THREADS, ioThreads)
                    .set(Options.WORKER_TASK_CORE_THREADS, ioThreads * 8)
                    .set(Options.WORKER_TASK_MAX_THREADS, ioThreads * 8)
                    .set(Options.TCP_NODELAY, true)
                    .set(Options.CORK, true)
                    .getMap());
            return new RelayListeners(worker, new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 4));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the HTTP worker", e);
        }
    }

    /**
     * The clients' listener: bounded by {@code bounds}, refusing at accept beyond them.
     *
     * @param tls                 null for plain HTTP
     * @param upgradedConnections how many of its connections are WebSocket sessions now
     * @param onRefused           told each refusal's reason ({@code max_connections}, {@code max_pending_connections})
     */
    public InetSocketAddress openClientListener(String host, int port, SSLContext tls, HttpHandler root,
                                                ListenerBounds bounds, IntSupplier upgradedConnections,
                                                ObjIntConsumer<String> onRefused) {
        OptionMap undertowOptions = undertowOptions(bounds);
        HttpOpenListener http = openListener(root, undertowOptions);
        AdmissionGate gate = new AdmissionGate(http, bounds, upgradedConnections, tls == null, onRefused);
        AcceptingChannel<? extends StreamConnection> channel = bind(host, port, tls, gate);
        clientGate = gate;
        channel.resumeAccepts();
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** A plain HTTP listener for /metrics and /health, with the client listener's header and time bounds. */
    public InetSocketAddress openManagementListener(String host, int port, HttpHandler root, ListenerBounds bounds) {
        OptionMap undertowOptions = undertowOptions(bounds);
        AcceptingChannel<? extends StreamConnection> channel = bind(host, port, null,
                ChannelListeners.openListenerAdapter(openListener(root, undertowOptions)));
        channel.resumeAccepts();
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** The request bounds as Undertow options: they apply while a request is read, not to upgraded WebSockets. */
    private static OptionMap undertowOptions(ListenerBounds bounds) {
        return OptionMap.builder()
                .set(UndertowOptions.MAX_HEADER_SIZE, bounds.maxHeaderBytes())
                .set(UndertowOptions.MAX_HEADERS, bounds.maxHeaders())
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) bounds.requestTimeout().toMillis())
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, (int) bounds.idleTimeout().toMillis())
                .set(UndertowOptions.MAX_ENTITY_SIZE, bounds.maxRequestBytes())
                .getMap();
    }

    private HttpOpenListener openListener(HttpHandler root, OptionMap undertowOptions) {
        HttpOpenListener listener = new HttpOpenListener(buffers, undertowOptions);
        listener.setRootHandler(root);
        openListeners.add(listener);
        return listener;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private AcceptingChannel<? extends StreamConnection> bind(String host, int port, SSLContext tls,
                                                              ChannelListener<AcceptingChannel<StreamConnection>> accept) {
        OptionMap socketOptions = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000)
                .getMap();
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
            AcceptingChannel<? extends StreamConnection> channel;
            if (tls == null) {
                channel = worker.createStreamConnectionServer(address, accept, socketOptions);
            } else {
                UndertowXnioSsl ssl = new UndertowXnioSsl(worker.getXnio(), OptionMap.create(Options.USE_DIRECT_BUFFERS, true), tls);
                channel = ssl.createSslConnectionServer(worker, address, (ChannelListener) accept, socketOptions);
            }
            channels.add(channel);
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** Connections open on the client listener (admitted, not yet closed). */
    public int clientConnections() {
        AdmissionGate gate = clientGate;
        return gate == null ? 0 : gate.openConnections();
    }

    /** An I/O thread of the worker, for node-wide timers. */
    public XnioIoThread ioThread() {
        return worker.getIoThread();
    }

    /** Stops accepting, closes the connections still open and the worker. */
    @Override
    public void close() {
        channels.forEach(IoUtils::safeClose);
        openListeners.forEach(HttpOpenListener::closeConnections);
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buffers.close();
    }
}
