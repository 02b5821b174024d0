package io.notifyrelay.it.attack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many raw TCP connections to one node, driven from the calling thread with one selector: what an attacker opens
 * (a request never finished, headers sent slowly, nothing at all). Records for each when the node ended it and what
 * it answered first.
 */
public final class RawConnections implements AutoCloseable {

    private final List<Connection> connections = new ArrayList<>();
    private final Selector selector;
    private final long startNanos = System.nanoTime();

    /** One attacker's connection: what the node sent back, and when (ms after opening) it ended, or -1. */
    public static final class Connection {
        private final SocketChannel channel;
        private final StringBuilder received = new StringBuilder();
        private long closedAtMs = -1;
        private boolean resetByNode;

        private Connection(SocketChannel channel) {
            this.channel = channel;
        }

        public boolean isClosed() {
            return closedAtMs >= 0;
        }

        public long closedAtMs() {
            return closedAtMs;
        }

        /** The first line the node sent back (e.g. {@code HTTP/1.1 503 Service Unavailable}), or empty. */
        public String statusLine() {
            int end = received.indexOf("\r\n");
            return end < 0 ? received.toString() : received.substring(0, end);
        }

        public String received() {
            return received.toString();
        }

        public boolean resetByNode() {
            return resetByNode;
        }
    }

    private RawConnections() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens {@code count} connections to {@code port} on loopback, each first sending {@code opening} (may be empty). */
    public static RawConnections open(int port, int count, String opening) {
        RawConnections raw = new RawConnections();
        try {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.SO_LINGER, 0); // our close is a reset: no TIME_WAIT pile-up
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                channel.configureBlocking(false);
                Connection connection = new Connection(channel);
                channel.register(raw.selector, SelectionKey.OP_READ, connection);
                raw.connections.add(connection);
                if (!opening.isEmpty()) {
                    raw.write(connection, opening);
                }
            }
        } catch (IOException e) {
            raw.close();
            throw new UncheckedIOException("could not open connection " + raw.connections.size() + " of " + count, e);
        }
        return raw;
    }

    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** Sends {@code text} on every connection still open (a write the node refuses ends that connection). */
    public void sendToAllOpen(String text) {
        for (Connection connection : connections) {
            if (!connection.isClosed()) {
                write(connection, text);
            }
        }
    }

    private void write(Connection connection, String text) {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        try {
            // non-blocking: what the kernel does not take now is dropped; a flood only needs the node to keep reading
            connection.channel.write(bytes);
        } catch (IOException e) {
            ended(connection, true);
        }
    }

    /** Reads whatever the node sent during {@code duration}, noting connections it ended. */
    public void pump(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            long left;
            while ((left = deadline - System.nanoTime()) > 0) {
                if (selector.select(Math.max(1, left / 1_000_000)) == 0) {
                    continue;
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection connection = (Connection) key.attachment();
                    buffer.clear();
                    int read;
                    try {
                        read = connection.channel.read(buffer);
                    } catch (IOException e) {
                        read = -2;
                    }
                    if (read > 0 && connection.received.length() < 4096) {
                        connection.received.append(new String(buffer.array(), 0, read, StandardCharsets.ISO_8859_1));
                    } else if (read < 0) {
                        key.cancel();
                        ended(connection, read == -2);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pumps until every connection is ended by the node, or {@code timeout} passes; returns whether all ended. */
    public boolean awaitAllClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (openCount() > 0 && System.nanoTime() < deadline) {
            pump(Duration.ofMillis(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000))));
        }
        return openCount() == 0;
    }

    private void ended(Connection connection, boolean reset) {
        if (!connection.isClosed()) {
            connection.closedAtMs = (System.nanoTime() - startNanos) / 1_000_000;
            connection.resetByNode = reset;
        }
    }

    public long openCount() {
        return connections.stream().filter(c -> !c.isClosed()).count();
    }

    /** The latest time (ms after opening) at which the node ended one of them, or -1 if it ended none. */
    public long lastClosedAtMs() {
        return connections.stream().mapToLong(Connection::closedAtMs).max().orElse(-1);
    }

    public long countWithStatus(String statusCode) {
        return connections.stream().filter(c -> c.statusLine().startsWith("HTTP/1.1 " + statusCode)).count();
    }

    @Override
    public void close() {
        for (Connection connection : connections) {
            try {
                connection.channel.close();
            } catch (IOException e) {
                // closing what an attack left: nothing to do
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // same
        }
    }
}
