package io.notifyrelay.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A relay process started against a port nobody listens on, as an operator would start it (Main, the shipped
 * logback config, the default RELAY_KAFKA_STARTUP_TIMEOUT of 30 s): it must stop with exit code 1 and one line
 * that names the bootstrap servers and what was tried, in bounded time, without a screenful of Kafka warnings.
 */
class UnreachableBrokerStartupTest {

    @Test
    void stopsWithOneClearLineWithinTheDefaultStartupTimeout() throws Exception {
        String bootstrap = "127.0.0.1:" + closedPort();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // the shipped logback.xml, not the test classpath's logback-test.xml
                "-Dlogback.configurationFile=" + Main.class.getResource("/logback.xml"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("RELAY_") || name.startsWith("OTEL_"));
        builder.environment().put("RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        builder.environment().put("RELAY_JWT_SECRET", "startup-test-secret-0123456789abcdef");
        builder.environment().put("RELAY_HTTP_HOST", "127.0.0.1");
        builder.environment().put("RELAY_HTTP_PORT", "0");
        long started = System.nanoTime();
        Process process = builder.start();
        byte[] output;
        boolean exited;
        try {
            output = process.getInputStream().readAllBytes(); // until the process closes its output, i.e. exits
            exited = process.waitFor(60, TimeUnit.SECONDS);
        } finally {
            process.destroyForcibly();
        }
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        String log = new String(output, StandardCharsets.UTF_8);
        assertTrue(exited, log);
        assertEquals(1, process.exitValue(), log);

        List<String> lines = log.lines().toList();
        List<String> verdict = lines.stream().filter(line -> line.startsWith("notify-relay: cannot start:")).toList();
        assertEquals(1, verdict.size(), log);
        String line = verdict.get(0);
        assertTrue(line.contains("Kafka unreachable"), line);
        assertTrue(line.contains("RELAY_KAFKA_BOOTSTRAP_SERVERS=" + bootstrap), line);
        assertTrue(line.contains("within 30 s"), line);
        assertTrue(line.contains(bootstrap + " refused the connection"), line);
        // 30 s of trying, a JVM start and the probe: well under a minute, never the Kafka client's own retries
        assertTrue(elapsedSeconds >= 29 && elapsedSeconds < 50, "stopped after " + elapsedSeconds + " s\n" + log);

        long kafkaWarnings = lines.stream().filter(l -> l.contains(" WARN ") && l.contains("o.a.k.")).count();
        assertTrue(kafkaWarnings <= 3, kafkaWarnings + " Kafka client warnings:\n" + log);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort(); // closed again when this returns: connections to it are refused
        }
    }
}
