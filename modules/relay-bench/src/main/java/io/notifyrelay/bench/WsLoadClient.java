package io.notifyrelay.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
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

    private static final byte[] EVENT_PREFIX = "{\"type\":\"event\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WELCOME = "\"type\":\"welcome\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUBSCRIBED = "\"type\":\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

    private final IoThread[] threads;
    private final Recorder latencyMicros;
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
    final AtomicInteger open = new AtomicInteger();
    volatile String lastFailure;

    WsLoadClient(int threadCount, Recorder latencyMicros) {
        this.latencyMicros = latencyMicros;
        this.threads = new IoThread[threadCount];
        for (int i = 0; i < threadCount; i++) {
            threads[i] = new IoThread("ws-load-" + i);
            threads[i].start();
        }
    }

    /** Events received on all connections so far. */
    long events() {
        long sum = 0;
        for (IoThread t : threads) {
            sum += t.events.get();
        }
        return sum;
    }

    /** System.nanoTime() of the latest event received, 0 if none. */
    long lastEventNanos() {
        long last = 0;
        for (IoThread t : threads) {
            last = Math.max(last, t.lastEventNanos);
        }
        return last;
    }

    /** What one connection does. */
    record Spec(InetSocketAddress address, String path, String authFrame, String subscribeFrame,
                Consumer<String> listener) {
    }

    /** Opens a connection; {@code done} is released once it is subscribed or has failed. */
    Conn open(Spec spec, Semaphore done) {
        IoThread thread = threads[Math.floorMod(next.getAndIncrement(), threads.length)];
        Conn conn = new Conn(spec, thread, done);
        thread.submit(conn::start);
        return conn;
    }

    /** Closes every connection (TCP close, no close handshake: the bench is done with them). */
    void closeAll() {
        for (IoThread t : threads) {
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
        for (IoThread t : threads) {
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

    // ---- frames ----

    /** A masked client text frame (RFC 6455 §5.3). */
    static byte[] clientFrame(int opcode, byte[] payload) {
        int len = payload.length;
        int header = len < 126 ? 2 : len < 65536 ? 4 : 10;
        byte[] frame = new byte[header + 4 + len];
        frame[0] = (byte) (0x80 | opcode);
        if (len < 126) {
            frame[1] = (byte) (0x80 | len);
        } else if (len < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (len >>> 8);
            frame[3] = (byte) len;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        byte[] key = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
        System.arraycopy(key, 0, frame, header, 4);
        for (int i = 0; i < len; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ key[i & 3]);
        }
        return frame;
    }

    static boolean contains(byte[] a, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i <= to - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (a[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    static boolean startsWith(byte[] a, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int j = 0; j < prefix.length; j++) {
            if (a[from + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }

    // ---- one connection ----

    private enum ConnState { CONNECTING, HANDSHAKE, AUTH, SUBSCRIBING, READY, CLOSED }

    final class Conn {
        final Spec spec;
        final IoThread thread;
        private final Semaphore done;
        private SocketChannel channel;
        private SelectionKey key;
        private volatile ConnState state = ConnState.CONNECTING;
        private byte[] carry;
        private int carryLen;
        private ByteBuffer pendingWrite;
        private boolean released;

        Conn(Spec spec, IoThread thread, Semaphore done) {
            this.spec = spec;
            this.thread = thread;
            this.done = done;
        }

        boolean isReady() {
            return state == ConnState.READY;
        }

        /** Sends a text frame from any thread. */
        void sendText(String text) {
            byte[] frame = clientFrame(1, text.getBytes(StandardCharsets.UTF_8));
            thread.submit(() -> write(frame));
        }

        /** Closes the TCP connection from any thread. */
        void close() {
            thread.submit(() -> closeNow(null));
        }

        private void start() {
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                open.incrementAndGet();
                thread.conns.add(this);
                if (channel.connect(spec.address())) {
                    key = channel.register(thread.selector, SelectionKey.OP_READ, this);
                    connected();
                } else {
                    key = channel.register(thread.selector, SelectionKey.OP_CONNECT, this);
                }
            } catch (IOException e) {
                fail("connect: " + e);
            }
        }

        private void connected() throws IOException {
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String wsKey = Base64.getEncoder().encodeToString(nonce);
            String host = spec.address().getHostString() + ':' + spec.address().getPort();
            String request = "GET " + spec.path() + " HTTP/1.1\r\nHost: " + host
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + wsKey
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            state = ConnState.HANDSHAKE;
            key.interestOps(SelectionKey.OP_READ);
            write(request.getBytes(StandardCharsets.US_ASCII));
        }

        private void write(byte[] bytes) {
            if (state == ConnState.CLOSED) {
                return;
            }
            try {
                if (pendingWrite != null) {
                    ByteBuffer joined = ByteBuffer.allocate(pendingWrite.remaining() + bytes.length);
                    joined.put(pendingWrite).put(bytes).flip();
                    pendingWrite = joined;
                } else {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    channel.write(buffer);
                    if (buffer.hasRemaining()) {
                        pendingWrite = buffer;
                        key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                    }
                }
            } catch (IOException e) {
                fail("write: " + e);
            }
        }

        private void onWritable() throws IOException {
            channel.write(pendingWrite);
            if (!pendingWrite.hasRemaining()) {
                pendingWrite = null;
                key.interestOps(SelectionKey.OP_READ);
            }
        }

        private void onReadable() throws IOException {
            while (true) {
                if (carryLen + 16 * 1024 > thread.buffer.capacity()) {
                    thread.grow((carryLen + 16 * 1024) * 2);
                }
                ByteBuffer buf = thread.buffer;
                byte[] arr = buf.array();
                buf.clear();
                if (carryLen > 0) {
                    buf.put(carry, 0, carryLen);
                    carryLen = 0;
                }
                int start = buf.position();
                int n = channel.read(buf);
                if (n < 0) {
                    closeNow(state == ConnState.READY ? null : "server closed the connection in state " + state);
                    return;
                }
                if (n == 0 && start == 0) {
                    return;
                }
                int end = buf.position();
                int consumed = parse(arr, 0, end);
                if (state == ConnState.CLOSED) {
                    return;
                }
                int left = end - consumed;
                if (left > 0) {
                    if (carry == null || carry.length < left) {
                        carry = new byte[Math.max(left, 256)];
                    }
                    System.arraycopy(arr, consumed, carry, 0, left);
                    carryLen = left;
                } else if (carry != null && carry.length > 4096) {
                    carry = null; // do not keep a big array on an idle connection
                }
                if (end < arr.length || n == 0) {
                    return;
                }
            }
        }

        /** Parses what it can of {@code a[from, to)}; returns the index of the first byte not consumed. */
        private int parse(byte[] a, int from, int to) throws IOException {
            int p = from;
            if (state == ConnState.HANDSHAKE) {
                int headerEnd = -1;
                for (int i = p; i + 3 < to; i++) {
                    if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                        headerEnd = i + 4;
                        break;
                    }
                }
                if (headerEnd < 0) {
                    return p;
                }
                String status = new String(a, p, Math.min(32, headerEnd - p), StandardCharsets.ISO_8859_1);
                if (!status.startsWith("HTTP/1.1 101")) {
                    closeNow("handshake refused: " + new String(a, p, headerEnd - p, StandardCharsets.ISO_8859_1)
                            .lines().findFirst().orElse(""));
                    return to;
                }
                p = headerEnd;
                state = ConnState.AUTH;
                write(clientFrame(1, spec.authFrame().getBytes(StandardCharsets.UTF_8)));
            }
            while (p + 2 <= to) {
                int b0 = a[p] & 0xFF;
                int b1 = a[p + 1] & 0xFF;
                int opcode = b0 & 0x0F;
                long len = b1 & 0x7F;
                int header = 2;
                if (len == 126) {
                    if (p + 4 > to) {
                        return p;
                    }
                    len = ((a[p + 2] & 0xFF) << 8) | (a[p + 3] & 0xFF);
                    header = 4;
                } else if (len == 127) {
                    if (p + 10 > to) {
                        return p;
                    }
                    len = 0;
                    for (int i = 0; i < 8; i++) {
                        len = (len << 8) | (a[p + 2 + i] & 0xFF);
                    }
                    header = 10;
                }
                if ((b1 & 0x80) != 0) {
                    header += 4; // servers do not mask; tolerate it anyway by skipping the key
                }
                if (p + header + len > to) {
                    if (header + len + 16 * 1024 > thread.buffer.capacity()) {
                        thread.grow((int) (header + len) * 2 + 16 * 1024);
                    }
                    return p;
                }
                int ps = p + header;
                int pe = (int) (ps + len);
                onFrame(opcode, a, ps, pe);
                p = pe;
                if (state == ConnState.CLOSED) {
                    return to;
                }
            }
            return p;
        }

        private void onFrame(int opcode, byte[] a, int from, int to) {
            switch (opcode) {
                case 1, 0 -> onText(a, from, to);
                case 9 -> write(clientFrame(0xA, java.util.Arrays.copyOfRange(a, from, to))); // ping -> pong
                case 8 -> {
                    int code = to - from >= 2 ? ((a[from] & 0xFF) << 8) | (a[from + 1] & 0xFF) : 1005;
                    closedByServer.incrementAndGet();
                    if (code == 4429) {
                        closedTooSlow.incrementAndGet();
                    }
                    write(clientFrame(8, to - from >= 2 ? new byte[]{a[from], a[from + 1]} : new byte[0]));
                    closeNow(state == ConnState.READY ? null : "closed by server with " + code + " in state " + state
                            + ": " + new String(a, Math.min(from + 2, to), Math.max(0, to - from - 2),
                            StandardCharsets.UTF_8));
                }
                default -> {
                    // pong or binary: nothing to do
                }
            }
        }

        private void onText(byte[] a, int from, int to) {
            if (spec.listener() != null && state == ConnState.READY) {
                spec.listener().accept(new String(a, from, to - from, StandardCharsets.UTF_8));
                return;
            }
            switch (state) {
                case READY -> {
                    if (startsWith(a, from, to, EVENT_PREFIX)) {
                        long now = System.nanoTime();
                        long sent = Notifications.readTimestamp(a, from, to);
                        if (sent != Long.MIN_VALUE && latencyMicros != null) {
                            long micros = Math.max(0, (now - sent) / 1000);
                            latencyMicros.recordValue(micros);
                            int bucket = (int) ((sent - startNanos) / 100_000_000L);
                            if (bucket >= 0 && bucket < worstBySendTime.length()
                                    && worstBySendTime.get(bucket) < micros) {
                                worstBySendTime.accumulateAndGet(bucket, micros, Math::max);
                            }
                        }
                        thread.events.lazySet(thread.events.get() + 1);
                        thread.lastEventNanos = now;
                    } else if (contains(a, from, to, ERROR)) {
                        errorFrames.incrementAndGet();
                    } else {
                        otherFrames.incrementAndGet();
                    }
                }
                case AUTH -> {
                    if (contains(a, from, to, WELCOME)) {
                        state = ConnState.SUBSCRIBING;
                        write(clientFrame(1, spec.subscribeFrame().getBytes(StandardCharsets.UTF_8)));
                    } else {
                        closeNow("expected welcome, got " + new String(a, from, to - from, StandardCharsets.UTF_8));
                    }
                }
                case SUBSCRIBING -> {
                    if (spec.listener() == null && startsWith(a, from, to, EVENT_PREFIX)) {
                        // live events may overtake subscribed (schemas/websocket/subscribed.schema.json)
                        ConnState was = state;
                        state = ConnState.READY;
                        onText(a, from, to);
                        state = was;
                        return;
                    }
                    if (contains(a, from, to, SUBSCRIBED)) {
                        if (spec.listener() != null) {
                            spec.listener().accept(new String(a, from, to - from, StandardCharsets.UTF_8));
                        }
                        state = ConnState.READY;
                        ready.incrementAndGet();
                        release();
                    } else if (spec.listener() != null) {
                        spec.listener().accept(new String(a, from, to - from, StandardCharsets.UTF_8));
                    } else {
                        closeNow("expected subscribed, got " + new String(a, from, to - from, StandardCharsets.UTF_8));
                    }
                }
                default -> {
                }
            }
        }

        private void release() {
            if (!released) {
                released = true;
                if (done != null) {
                    done.release();
                }
            }
        }

        private void fail(String why) {
            closeNow(why);
        }

        void closeNow(String failure) {
            if (state == ConnState.CLOSED) {
                return;
            }
            boolean wasReady = state == ConnState.READY;
            state = ConnState.CLOSED;
            if (failure != null && !wasReady) {
                failed.incrementAndGet();
                lastFailure = failure;
            }
            if (wasReady) {
                ready.decrementAndGet();
            }
            try {
                if (key != null) {
                    key.cancel();
                }
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
            open.decrementAndGet();
            thread.conns.remove(this);
            carry = null;
            release();
        }
    }

    // ---- selector thread ----

    private final class IoThread extends Thread {
        final Selector selector;
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final java.util.Set<Conn> conns = new java.util.HashSet<>();
        final AtomicLong events = new AtomicLong();
        volatile long lastEventNanos;
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        private volatile boolean running = true;

        IoThread(String name) {
            super(name);
            setDaemon(true);
            try {
                selector = Selector.open();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A bigger read buffer for the next read; the caller has copied what it needs from the old one. */
        void grow(int size) {
            if (size > buffer.capacity()) {
                buffer = ByteBuffer.allocate(size);
            }
        }

        void submit(Runnable task) {
            tasks.add(task);
            selector.wakeup();
        }

        void closeAllConnections() {
            for (Conn c : conns.toArray(new Conn[0])) {
                c.closeNow(null);
            }
        }

        void shutdown() {
            running = false;
            selector.wakeup();
        }

        @Override
        public void run() {
            while (running) {
                try {
                    selector.select(100);
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey k = it.next();
                        it.remove();
                        Conn c = (Conn) k.attachment();
                        try {
                            if (!k.isValid()) {
                                continue;
                            }
                            if (k.isConnectable()) {
                                if (c.channel.finishConnect()) {
                                    c.connected();
                                }
                                continue;
                            }
                            if (k.isWritable()) {
                                c.onWritable();
                            }
                            if (k.isValid() && k.isReadable()) {
                                c.onReadable();
                            }
                        } catch (ClosedChannelException e) {
                            c.closeNow(null);
                        } catch (IOException | RuntimeException e) {
                            c.closeNow(c.state == ConnState.READY ? null : "I/O: " + e);
                        }
                    }
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                } catch (IOException | RuntimeException e) {
                    lastFailure = "selector: " + e;
                }
            }
            try {
                selector.close();
            } catch (IOException e) {
                // ignore
            }
        }
    }
}
