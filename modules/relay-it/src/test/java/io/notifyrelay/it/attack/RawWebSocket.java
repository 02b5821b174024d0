package io.notifyrelay.it.attack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * A WebSocket client on a bare socket, for attacks that need control a client library does not give: several
 * frames in one TCP write (a race between them on the server), frames the size of the limit. Text frames only;
 * one thread reads with {@link #next} or {@link #await}.
 */
public final class RawWebSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final List<JsonNode> seen = new ArrayList<>();
    private Integer closeCode;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens {@code ws://host:port/path} and completes the upgrade. */
    public static RawWebSocket connect(URI uri) throws IOException {
        return connect(uri, 0);
    }

    /**
     * A client that will not read what it is sent: its receive buffer is a few KB, so the server sees it fall
     * behind after a few frames (as across a slow network) instead of after megabytes of kernel buffers.
     */
    public static RawWebSocket connectStalled(URI uri) throws IOException {
        return connect(uri, 4096);
    }

    private static RawWebSocket connect(URI uri, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer); // before connecting, so the window is small from the start
        }
        socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        RawWebSocket ws = new RawWebSocket(socket);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        ws.out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        String status = ws.readLine();
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + status);
        }
        while (!ws.readLine().isEmpty()) {
            // the rest of the response headers
        }
        return ws;
    }

    /** Sends every text in one TCP write, each as its own frame. */
    public void sendAtOnce(String... texts) throws IOException {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        for (String text : texts) {
            frames.write(frame(0x1, text.getBytes(StandardCharsets.UTF_8)));
        }
        out.write(frames.toByteArray());
        out.flush();
    }

    public void send(String text) throws IOException {
        sendAtOnce(text);
    }

    /** The next text frame as JSON; null once the server closed (see {@link #closeCode()}). */
    public JsonNode next(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        while (closeCode == null) {
            int head = in.readUnsignedByte();
            int opcode = head & 0x0F;
            long length = in.readUnsignedByte() & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if (opcode == 0x8) {
                closeCode = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                return null;
            }
            if (opcode == 0x9) {
                out.write(frame(0xA, payload)); // answer pings, as any client must
                out.flush();
            } else if (opcode == 0x1) {
                JsonNode frame = JSON.readTree(payload);
                seen.add(frame);
                return frame;
            }
        }
        return null;
    }

    /** Reads until a frame matches; fails when the server closes or nothing matches within {@code timeout}. */
    public JsonNode await(String description, Predicate<JsonNode> matches, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + description + " within " + timeout + "; saw " + seen);
            }
            JsonNode frame;
            try {
                frame = next(Duration.ofNanos(left));
            } catch (SocketTimeoutException e) {
                continue;
            } catch (EOFException e) {
                throw new AssertionError("connection ended before " + description + "; saw " + seen, e);
            }
            if (frame == null) {
                throw new AssertionError("closed with " + closeCode + " before " + description + "; saw " + seen);
            }
            if (matches.test(frame)) {
                return frame;
            }
        }
    }

    public JsonNode await(String type) throws IOException {
        return await(type, f -> type.equals(f.path("type").asText()), Duration.ofSeconds(20));
    }

    /** Reads until the server closes; its close code. */
    public int awaitClose(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (closeCode == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not closed within " + timeout + "; saw " + seen);
            }
            try {
                next(Duration.ofNanos(left));
            } catch (SocketTimeoutException e) {
                // keep waiting
            } catch (EOFException e) {
                return 1006;
            }
        }
        return closeCode;
    }

    /** Every text frame read so far. */
    public List<JsonNode> seen() {
        return List.copyOf(seen);
    }

    public Integer closeCode() {
        return closeCode;
    }

    private static byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length <= 0xFFFF) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        byte[] masked = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            masked[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        frame.writeBytes(masked);
        return frame.toByteArray();
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
