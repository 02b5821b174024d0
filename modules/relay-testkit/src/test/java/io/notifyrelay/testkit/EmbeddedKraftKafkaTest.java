package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.notifyrelay.testkit.KafkaBackends.Mode;
import io.notifyrelay.testkit.KafkaBackends.Settings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Brokers started and stopped by the test itself (not the shared one), to check start-up, shutdown and ports. */
class EmbeddedKraftKafkaTest {

    private static final Duration CLOSE_BUDGET = Duration.ofSeconds(10);

    @Test
    void devBrokerServesAFixedPortKeepsItsDataAndStopsCleanly(@TempDir Path dataDir) throws Exception {
        int port = freePort();
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();

        long t0 = System.nanoTime();
        EmbeddedKraftKafka kafka = EmbeddedKraftKafka.builder().port(port).dataDirectory(dataDir).build().start();
        long started = System.nanoTime();
        assertTrue(kafka.isServerMode());
        assertEquals("localhost:" + port, kafka.bootstrapServers());
        assertTrue(kafka.description().contains("KafkaRaftServer, data in " + dataDir), kafka.description());

        kafka.createTopic("dev-topic", 2);
        KafkaRoundTrip.produce(kafka, "dev-topic", List.of("a", "b", "c"));
        assertEquals(3, KafkaRoundTrip.consume(kafka, "dev-topic", "dev-group", "consumer", 3).size());

        long t1 = System.nanoTime();
        kafka.close();
        Duration closeTime = Duration.ofNanos(System.nanoTime() - t1);
        System.out.printf("fixed-port broker: start %d ms, close %d ms%n",
                Duration.ofNanos(started - t0).toMillis(), closeTime.toMillis());
        assertTrue(closeTime.compareTo(CLOSE_BUDGET) < 0, "close took " + closeTime);
        assertFalse(kafka.isRunning());
        assertNoStrayNonDaemonThreads(threadsBefore);
        assertPortReleased(port);

        // same data directory, same port: the topic and its records survive a restart
        try (EmbeddedKraftKafka again = EmbeddedKraftKafka.builder().port(port).dataDirectory(dataDir).build()
                .start()) {
            assertTrue(again.admin().listTopics().names().get().contains("dev-topic"));
            List<ConsumerRecord<String, String>> records =
                    KafkaRoundTrip.consume(again, "dev-topic", "after-restart", "classic", 3);
            assertEquals(Set.of("a", "b", "c"), records.stream().map(ConsumerRecord::value).collect(Collectors.toSet()));
        }
    }

    @Test
    void fixedPortInUseFailsWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("localhost", 0));
            int port = taken.getLocalPort();
            EmbeddedKraftKafka kafka = EmbeddedKraftKafka.builder().port(port).build();
            IllegalStateException e = assertThrows(IllegalStateException.class, kafka::start);
            assertTrue(e.getMessage().contains("localhost:" + port + " is already in use"), e.getMessage());
            assertFalse(kafka.isRunning());
        }
    }

    @Test
    void autoModeWithoutDockerStartsTheEmbeddedBrokerQuicklyAndPrintsIt() {
        if (KafkaBackends.dockerStatus().available()) {
            return; // auto would pick Testcontainers there; the selection itself is covered in KafkaBackendsTest
        }
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        var out = new ByteArrayOutputStream();

        long t0 = System.nanoTime();
        KafkaBackend kafka = KafkaBackends.start(Settings.of(Mode.AUTO, null),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        Duration startTime = Duration.ofNanos(System.nanoTime() - t0);
        try {
            String banner = out.toString(StandardCharsets.UTF_8).strip();
            assertTrue(banner.matches("\\[notify-relay testkit] Kafka backend: embedded-kraft \\(KRaft 4\\.1\\.1"
                    + " in-process\\) at localhost:\\d+ \\[auto: no Docker \\(.+\\)]"), banner);
            assertTrue(banner.contains(kafka.bootstrapServers()), banner);
            kafka.createTopic("auto-topic", 1);
        } finally {
            long t1 = System.nanoTime();
            kafka.close();
            Duration closeTime = Duration.ofNanos(System.nanoTime() - t1);
            System.out.printf("test-kit broker (incl. docker probe): start %d ms, close %d ms%n",
                    startTime.toMillis(), closeTime.toMillis());
            assertTrue(closeTime.compareTo(CLOSE_BUDGET) < 0, "close took " + closeTime);
        }
        assertNoStrayNonDaemonThreads(threadsBefore);
    }

    @Test
    void notStartedOrClosedBrokerSaysSo() {
        EmbeddedKraftKafka kafka = EmbeddedKraftKafka.builder().build();
        assertFalse(kafka.isServerMode());
        IllegalStateException e = assertThrows(IllegalStateException.class, kafka::bootstrapServers);
        assertTrue(e.getMessage().contains("not started"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddedKraftKafka.builder().port(70000));
    }

    /** Non-daemon threads keep the JVM (e.g. ./scripts/dev) alive after close: none may survive it. */
    private static void assertNoStrayNonDaemonThreads(Set<Thread> before) {
        Awaitility.await("broker threads to end")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .pollInSameThread() // Awaitility's own poller thread would count as a stray thread
                .until(() -> strayThreads(before), Matchers.empty());
    }

    private static List<String> strayThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.isDaemon())
                .map(Thread::getName)
                .toList();
    }

    private static void assertPortReleased(int port) throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("localhost", port));
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("localhost", 0));
            return socket.getLocalPort();
        }
    }
}
