package io.notifyrelay.testkit.cluster;

import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Stands in for a relay node: binds {@code RELAY_HTTP_PORT} (0: a free one), says so the way the relay does, and
 * waits to be killed; on SIGTERM it says it stopped.
 */
public final class FakeNodeMain {

    private FakeNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("RELAY_HTTP_PORT", "0"));
        try (ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("fake node stopped")));
            System.out.println("INFO [main] i.n.w.RelayWebSocketServer - Relay node "
                    + System.getenv("RELAY_NODE_ID") + " listening on ws://127.0.0.1:" + socket.getLocalPort()
                    + "/v1/ws");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
