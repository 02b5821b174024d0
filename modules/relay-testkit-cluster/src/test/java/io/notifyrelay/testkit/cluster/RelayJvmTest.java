package io.notifyrelay.testkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process fixture against a stand-in node ({@link FakeNodeMain}), so it is tested without a broker. */
class RelayJvmTest {

    @TempDir
    Path dir;

    @AfterEach
    void stopAll() {
        ChildJvm.stopAll();
    }

    /** Under Surefire java.class.path is only its booter jar. */
    private static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    private RelayJvm start(String name) {
        return RelayJvm.start(new RelayJvm.Launch(name, classpath(), FakeNodeMain.class.getName(), List.of("-Xmx32m"),
                Map.of("RELAY_HTTP_PORT", "0", "RELAY_NODE_ID", name), dir.resolve(name + ".log"), null));
    }

    @Test
    void readsThePortANodeOnPortZeroBound() throws Exception {
        RelayJvm node = start("node-a");
        int port = node.port();
        assertNotEquals(0, port);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertTrue(socket.isConnected(), "the node listens on the port it said");
        }
        assertEquals("ws://127.0.0.1:" + port + "/v1/ws", node.webSocketUrl());
    }

    @Test
    void killRestartAndTerminateKeepOneLogAndThePort() throws Exception {
        RelayJvm first = start("node-b");
        int port = first.port();
        first.kill();
        assertFalse(first.process().isAlive());
        assertEquals(137, first.process().exitValue(), "SIGKILL");

        RelayJvm again = first.restart();
        assertEquals(port, again.port(), "restarted on the port it had");
        // the restarted process's own line, not the first one's, is the one awaited
        again.process().awaitLogLine(line -> line.contains("listening on"), Duration.ofSeconds(30));
        again.terminate(Duration.ofSeconds(30));
        assertEquals(143, again.process().exitValue(), "SIGTERM");

        String log = Files.readString(dir.resolve("node-b.log"));
        assertEquals(2, log.lines().filter(line -> line.contains("listening on")).count(), "both runs in one log");
        assertTrue(log.contains("fake node stopped"), "SIGTERM ran the shutdown hooks:\n" + log);
    }

    @Test
    void aRunningNodeIsNotRestarted() {
        RelayJvm node = start("node-c");
        node.port();
        assertThrows(IllegalStateException.class, node::restart);
    }

    @Test
    void aProcessThatExitsFailsTheWaitWithItsLog() {
        ChildJvm child = ChildJvm.start("exits", List.of(), classpath(),
                "io.notifyrelay.testkit.cluster.NoSuchMain", List.of(), Map.of(), dir.resolve("exits.log"));
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> child.awaitLogLine(line -> line.contains("never"), Duration.ofSeconds(60)));
        assertTrue(failure.getMessage().contains("NoSuchMain"), failure.getMessage());
    }
}
