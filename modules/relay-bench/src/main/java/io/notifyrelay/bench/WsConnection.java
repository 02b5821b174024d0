package io.notifyrelay.bench;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One connection of the {@link WsLoadClient}: TCP connect, HTTP upgrade, {@code auth}, {@code subscribe}, then
 * count events (or the Socket.IO equivalents, {@link SocketIoText}). Driven only by its {@link WsIoThread}; a
 * partial frame is carried in a small array between reads.
 */
final class WsConnection {

    private static final byte[] EVENT_PREFIX = "{\"type\":\"event\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WELCOME = "\"type\":\"welcome\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUBSCRIBED = "\"type\":\"subscribed\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"type\":\"error\"".getBytes(StandardCharsets.US_ASCII);

    /** AUTH: the auth frame is sent (Socket.IO: the open packet is awaited); CONNECT_SENT: Socket.IO only. */
    enum ConnState { CONNECTING, HANDSHAKE, AUTH, CONNECT_SENT, SUBSCRIBING, READY, CLOSED }

    final WsLoadClient.Spec spec;
    final WsIoThread thread;
    private final WsLoadClient client;
    private final Semaphore done;
    private SocketChannel channel;
    private SelectionKey key;
    private volatile ConnState state = ConnState.CONNECTING;
    private byte[] carry;
    private int carryLen;
    /** Frames the current read completed, for {@link WsIoThread#countRead}. */
    private int framesInRead;
    private ByteBuffer pendingWrite;
    private boolean released;

    WsConnection(WsLoadClient client, WsLoadClient.Spec spec, WsIoThread thread, Semaphore done) {
        this.client = client;
        this.spec = spec;
        this.thread = thread;
        this.done = done;
    }

    boolean isReady() {
        return state == ConnState.READY;
    }

    /** Sends a text frame from any thread. */
    void sendText(String text) {
        byte[] frame = WsFrames.clientFrame(1, text.getBytes(StandardCharsets.UTF_8));
        thread.submit(() -> write(frame));
    }

    /** Closes the TCP connection from any thread. */
    void close() {
        thread.submit(() -> closeNow(null));
    }

    void start() {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            client.open.incrementAndGet();
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

    /** The selector saw OP_CONNECT. */
    void onConnectable() throws IOException {
        if (channel.finishConnect()) {
            connected();
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

    void onWritable() throws IOException {
        channel.write(pendingWrite);
        if (!pendingWrite.hasRemaining()) {
            pendingWrite = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    void onReadable() throws IOException {
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
            framesInRead = 0;
            int consumed = parse(arr, 0, end);
            if (state == ConnState.CLOSED) {
                return;
            }
            int left = end - consumed;
            thread.countRead(framesInRead, left > 0 && state == ConnState.READY);
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
            if (!spec.socketIo()) { // Socket.IO: the CONNECT follows the server's open packet
                sendTextNow(spec.authFrame());
            }
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
            framesInRead++;
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
            case 9 -> write(WsFrames.clientFrame(0xA, java.util.Arrays.copyOfRange(a, from, to))); // ping -> pong
            case 8 -> {
                int code = to - from >= 2 ? ((a[from] & 0xFF) << 8) | (a[from + 1] & 0xFF) : 1005;
                client.closedByServer.incrementAndGet();
                if (code == 4429) {
                    client.closedTooSlow.incrementAndGet();
                }
                write(WsFrames.clientFrame(8, to - from >= 2 ? new byte[]{a[from], a[from + 1]} : new byte[0]));
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
        if (spec.socketIo()) {
            SocketIoText.onText(this, a, from, to);
            return;
        }
        if (spec.listener() != null && state == ConnState.READY) {
            spec.listener().accept(new String(a, from, to - from, StandardCharsets.UTF_8));
            return;
        }
        switch (state) {
            case READY -> {
                if (WsFrames.startsWith(a, from, to, EVENT_PREFIX)) {
                    countEvent(Notifications.readTimestamp(a, from, to));
                } else if (WsFrames.contains(a, from, to, ERROR)) {
                    client.errorFrames.incrementAndGet();
                } else {
                    client.otherFrames.incrementAndGet();
                }
            }
            case AUTH -> {
                if (WsFrames.contains(a, from, to, WELCOME)) {
                    state = ConnState.SUBSCRIBING;
                    sendTextNow(spec.subscribeFrame());
                } else {
                    closeNow("expected welcome, got " + new String(a, from, to - from, StandardCharsets.UTF_8));
                }
            }
            case SUBSCRIBING -> {
                if (spec.listener() == null && WsFrames.startsWith(a, from, to, EVENT_PREFIX)) {
                    // live events may overtake subscribed (schemas/websocket/subscribed.schema.json)
                    ConnState was = state;
                    state = ConnState.READY;
                    onText(a, from, to);
                    state = was;
                    return;
                }
                if (WsFrames.contains(a, from, to, SUBSCRIBED)) {
                    if (spec.listener() != null) {
                        spec.listener().accept(new String(a, from, to - from, StandardCharsets.UTF_8));
                    }
                    becomeReady();
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

    // ---- for the protocol handlers (SocketIoText); on this connection's thread only

    ConnState state() {
        return state;
    }

    void state(ConnState next) {
        state = next;
    }

    void sendTextNow(String text) {
        write(WsFrames.clientFrame(1, text.getBytes(StandardCharsets.UTF_8)));
    }

    void becomeReady() {
        state = ConnState.READY;
        client.ready.incrementAndGet();
        release();
    }

    /** One event received; {@code sentNanos} is its produce time, Long.MIN_VALUE if unknown. */
    void countEvent(long sentNanos) {
        long now = System.nanoTime();
        if (sentNanos != Long.MIN_VALUE && client.latencyMicros != null) {
            long micros = Math.max(0, (now - sentNanos) / 1000);
            client.latencyMicros.recordValue(micros);
            int bucket = (int) ((sentNanos - client.startNanos) / 100_000_000L);
            if (bucket >= 0 && bucket < client.worstBySendTime.length()
                    && client.worstBySendTime.get(bucket) < micros) {
                client.worstBySendTime.accumulateAndGet(bucket, micros, Math::max);
            }
        }
        thread.events.lazySet(thread.events.get() + 1);
        thread.lastEventNanos = now;
    }

    WsLoadClient client() {
        return client;
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
            client.failed.incrementAndGet();
            client.lastFailure = failure;
        }
        if (wasReady) {
            client.ready.decrementAndGet();
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
        client.open.decrementAndGet();
        thread.conns.remove(this);
        carry = null;
        release();
    }
}
