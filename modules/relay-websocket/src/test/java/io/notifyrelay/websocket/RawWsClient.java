package io.notifyrelay.websocket;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Speaks just enough RFC 6455 over a plain socket for what a library client hides: answering pings or not,
 * fragments, frames of an exact size, the close code. Silent, it never answers a ping; answering, it sends the
 * pong, then a ping of its own, and counts the server's pongs to those (the server has read our pong by then).
 */
final class RawWsClient implements AutoCloseable {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private final Socket socket;
    private final OutputStream out;
    private final boolean answersPings;
    private final StringBuilder text = new StringBuilder();
    private final AtomicInteger pings = new AtomicInteger();
    private final AtomicInteger serverPongs = new AtomicInteger();
    private final AtomicInteger closeCode = new AtomicInteger(-1);
    private volatile String closeReason;
    private final AtomicBoolean endOfStream = new AtomicBoolean();

    RawWsClient(URI uri, boolean answersPings) throws IOException {
        this.answersPings = answersPings;
        socket = new Socket(uri.getHost(), uri.getPort());
        out = socket.getOutputStream();
        String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(US_ASCII));
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        out.write(("GET " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String status = readHeaders(in);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + status);
        }
        Thread reader = new Thread(() -> readFrames(in), "raw-ws-client");
        reader.setDaemon(true);
        reader.start();
    }

    private static String readHeaders(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the handshake");
            }
            head.write(b);
        }
        return head.toString(US_ASCII);
    }

    private void readFrames(InputStream in) {
        try {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                int length = in.read() & 0x7F;
                if (length == 126) {
                    length = (in.read() << 8) | in.read();
                } else if (length == 127) {
                    long longLength = 0;
                    for (int i = 0; i < 8; i++) {
                        longLength = (longLength << 8) | in.read();
                    }
                    if (longLength > 16 << 20) {
                        throw new IOException("frame too large for this client");
                    }
                    length = (int) longLength;
                }
                byte[] payload = in.readNBytes(length);
                int opcode = first & 0x0F;
                if (opcode == PING) {
                    pings.incrementAndGet();
                    if (answersPings) {
                        send(true, PONG, payload);
                        send(true, PING, new byte[0]);
                    }
                } else if (opcode == PONG) {
                    serverPongs.incrementAndGet();
                } else if (opcode == CLOSE && payload.length >= 2) {
                    closeReason = new String(payload, 2, payload.length - 2, UTF_8);
                    closeCode.set(((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF));
                } else if (opcode == TEXT) {
                    synchronized (text) {
                        text.append(new String(payload, UTF_8)).append('\n');
                    }
                }
            }
        } catch (IOException ignored) {
            // a reset counts as the end too
        }
        endOfStream.set(true);
    }

    void sendText(String json) throws IOException {
        send(true, TEXT, json.getBytes(UTF_8));
    }

    /** One masked frame, as clients must send. */
    synchronized void send(boolean fin, int opcode, byte[] payload) throws IOException {
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >> shift) & 0xFF);
            }
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    String text() {
        synchronized (text) {
            return text.toString();
        }
    }

    int pings() {
        return pings.get();
    }

    int serverPongs() {
        return serverPongs.get();
    }

    /** The code of the server's close frame, -1 until one came. */
    int closeCode() {
        return closeCode.get();
    }

    String closeReason() {
        return closeReason;
    }

    boolean endOfStream() {
        return endOfStream.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
