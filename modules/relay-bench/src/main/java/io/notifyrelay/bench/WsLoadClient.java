package io.notifyrelay.bench;

import java.net.InetSocketAddress;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Recorder;

/**
 * The load generator's WebSocket client: thousands of real RFC 6455 connections over loopback from a few
 * selector threads, with no per-connection thread and no per-connection buffer (a partial frame is carried in a
 * small array only until the rest arrives).
 *
 * <p>Why not an existing client: the JDK {@code HttpClient} WebSocket keeps a pipeline of flow-control objects and
 * buffers per connection, Java-WebSocket's {@code WebSocketClient} runs a thread per connection, and both would
 * spend on parsing every frame into a String the CPU the relay under test needs (everything shares 2 cores). This
 * client looks at an {@code event} frame only to count it and to read the produce timestamp the bench put at the
 * end of the notification ({@link Notifications#TIMESTAMP_TAIL}).
 *
 * <p>Each connection: TCP connect, HTTP upgrade, {@code auth}, wait for {@code welcome}, {@code subscribe}, wait for
 * {@code subscribed}, then count events. Pings are answered with pongs. A connection with a {@link Consumer}
 * listener instead hands every text frame to it (used by the resume client).
 */
final class WsLoadClient implements AutoCloseable {

    private final WsIoThread[] threads;
    final Recorder latencyMicros;
    /** Worst latency (µs) of the events sent in each 100 ms since the client started, for --timeline. */
    final java.util.concurrent.atomic.AtomicLongArray worstBySendTime = new java.util.concurrent.atomic.AtomicLongArray(36_000);
    final long startNanos = System.nanoTime();
    private final AtomicInteger next = new AtomicInteger();

    final AtomicInteger ready = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger closedByServer = new AtomicInteger();
    final AtomicInteger closedTooSlow = new AtomicInteger();
    final AtomicLong otherFrames = new AtomicLong();
    final AtomicLong errorFrames = new AtomicLong();
    /** Engine.IO pings answered (Socket.IO sessions). */
    final AtomicLong pings = new AtomicLong();
    final AtomicInteger open = new AtomicInteger();
    volatile String lastFailure;

    WsLoadClient(int threadCount, Recorder latencyMicros) {
        this.latencyMicros = latencyMicros;
        this.threads = new WsIoThread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            threads[i] = new WsIoThread(this, "ws-load-" + i);
            threads[i].start();
        }
    }

    /** Events received on all connections so far. */
    long events() {
        long sum = 0;
        for (WsIoThread t : threads) {
            sum += t.events.get();
        }
        return sum;
    }

    /**
     * How reads fell on frame boundaries, summed over the threads: {@code split} reads ended inside a frame (the
     * rest came in a later read), {@code multiFrame} reads held more than one whole frame.
     */
    record ReadShapes(long reads, long split, long multiFrame) {
    }

    ReadShapes readShapes() {
        long reads = 0;
        long split = 0;
        long multi = 0;
        for (WsIoThread t : threads) {
            ReadShapes s = t.readShapes();
            reads += s.reads();
            split += s.split();
            multi += s.multiFrame();
        }
        return new ReadShapes(reads, split, multi);
    }

    /** System.nanoTime() of the latest event received, 0 if none. */
    long lastEventNanos() {
        long last = 0;
        for (WsIoThread t : threads) {
            last = Math.max(last, t.lastEventNanos);
        }
        return last;
    }

    /**
     * What one connection does. With {@code socketIo} the frames are Engine.IO / Socket.IO packets
     * ({@link SocketIoText}): {@code authFrame} is the CONNECT ({@code 40{...}}), {@code subscribeFrame} the
     * {@code REGISTER_SOCKET} event, and {@code notification} events count.
     */
    record Spec(InetSocketAddress address, String path, String authFrame, String subscribeFrame,
                Consumer<String> listener, boolean socketIo) {
        Spec(InetSocketAddress address, String path, String authFrame, String subscribeFrame,
             Consumer<String> listener) {
            this(address, path, authFrame, subscribeFrame, listener, false);
        }
    }

    /** Opens a connection; {@code done} is released once it is subscribed or has failed. */
    WsConnection open(Spec spec, Semaphore done) {
        WsIoThread thread = threads[Math.floorMod(next.getAndIncrement(), threads.length)];
        WsConnection conn = new WsConnection(this, spec, thread, done);
        thread.submit(conn::start);
        return conn;
    }

    /** Closes every connection (TCP close, no close handshake: the bench is done with them). */
    void closeAll() {
        for (WsIoThread t : threads) {
            t.submit(t::closeAllConnections);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
    }

    @Override
    public void close() {
        closeAll();
        for (WsIoThread t : threads) {
            t.shutdown();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
