package io.notifyrelay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy in front of a server that hands the server's bytes on in slices of awkward sizes (1 byte to a few
 * KiB, cut anywhere), so a client sees frames split across reads, and several frames in one read whenever the
 * server wrote faster than the slices go. Client to server: unchanged.
 */
final class ChoppingProxy implements AutoCloseable {

    /** Slice sizes, used in turn: some cut a 2-byte header, some hold a handful of ~600-byte event frames. */
    private static final int[] SLICES = {1, 3, 2, 7, 40, 333, 1, 1500, 9, 4000, 126, 65};

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    ChoppingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "chopping-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                pump("proxy-up", client, server, false);
                pump("proxy-down", server, client, true);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(String name, Socket from, Socket to, boolean chop) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            int slice = 0;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!chop) {
                        out.write(buffer, 0, n);
                        continue;
                    }
                    for (int p = 0; p < n; ) {
                        int len = Math.min(SLICES[slice++ % SLICES.length], n - p);
                        out.write(buffer, p, len);
                        out.flush();
                        p += len;
                        // shape, not wait: gives the client a chance to read this slice before the next arrives
                        LockSupport.parkNanos(50_000);
                    }
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(ChoppingProxy::closeQuietly);
    }
}
