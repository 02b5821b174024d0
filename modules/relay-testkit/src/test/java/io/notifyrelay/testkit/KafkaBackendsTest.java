package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.notifyrelay.testkit.KafkaBackends.Choice;
import io.notifyrelay.testkit.KafkaBackends.DockerProbe;
import io.notifyrelay.testkit.KafkaBackends.DockerStatus;
import io.notifyrelay.testkit.KafkaBackends.Mode;
import io.notifyrelay.testkit.KafkaBackends.Settings;
import org.junit.jupiter.api.Test;

class KafkaBackendsTest {

    private static final DockerProbe DOCKER = () -> new DockerStatus(true, "docker available");
    private static final DockerProbe NO_DOCKER = () -> new DockerStatus(false, "no socket");
    private static final DockerProbe MUST_NOT_ASK = () -> {
        throw new AssertionError("Docker must not be probed for this mode");
    };

    @Test
    void autoPrefersExternalWhenBootstrapIsGiven() {
        Choice choice = KafkaBackends.resolve(Settings.of(Mode.AUTO, "broker:9092"), MUST_NOT_ASK);
        assertEquals(Mode.EXTERNAL, choice.mode());
    }

    @Test
    void autoUsesTestcontainersWhenDockerAnswers() {
        assertEquals(Mode.TESTCONTAINERS, KafkaBackends.resolve(Settings.of(Mode.AUTO, null), DOCKER).mode());
    }

    @Test
    void autoFallsBackToEmbeddedAndSaysWhy() {
        Choice choice = KafkaBackends.resolve(Settings.of(Mode.AUTO, "  "), NO_DOCKER);
        assertEquals(Mode.EMBEDDED, choice.mode());
        assertTrue(choice.reason().contains("no socket"), choice.reason());
    }

    @Test
    void explicitModesWin() {
        assertEquals(Mode.EMBEDDED, KafkaBackends.resolve(Settings.of(Mode.EMBEDDED, "broker:9092"), MUST_NOT_ASK).mode());
        assertEquals(Mode.EXTERNAL, KafkaBackends.resolve(Settings.of(Mode.EXTERNAL, "broker:9092"), MUST_NOT_ASK).mode());
        assertEquals(Mode.TESTCONTAINERS, KafkaBackends.resolve(Settings.of(Mode.TESTCONTAINERS, null), DOCKER).mode());
    }

    @Test
    void forcedTestcontainersWithoutDockerFailsClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaBackends.resolve(Settings.of(Mode.TESTCONTAINERS, null), NO_DOCKER));
        assertTrue(e.getMessage().contains("notify.test.kafka=testcontainers"), e.getMessage());
        assertTrue(e.getMessage().contains("no socket"), e.getMessage());
    }

    @Test
    void forcedTestcontainersOnThisMachineFailsThroughTheRealProbe() {
        // on a machine with Docker this would start a container instead, so only assert where Docker is absent
        DockerStatus status = KafkaBackends.dockerStatus();
        if (!status.available()) {
            var out = new ByteArrayOutputStream();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KafkaBackends.start(
                    Settings.of(Mode.TESTCONTAINERS, null), new PrintStream(out, true, StandardCharsets.UTF_8)));
            assertTrue(e.getMessage().contains("no usable Docker environment"), e.getMessage());
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing printed for a backend that did not start");
        }
    }

    @Test
    void externalWithoutBootstrapFailsClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaBackends.start(Settings.of(Mode.EXTERNAL, null), System.out));
        assertTrue(e.getMessage().contains("notify.test.bootstrap"), e.getMessage());
    }

    @Test
    void unknownModeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.from(key -> key.equals("notify.test.kafka") ? "docker" : null, key -> null,
                        new Properties()));
        assertTrue(e.getMessage().contains("'docker'"), e.getMessage());
    }

    @Test
    void systemPropertiesOverrideEnvironment() {
        Map<String, String> sys = Map.of("notify.test.kafka", "External", "notify.test.bootstrap", "a:1");
        Map<String, String> env = Map.of("NOTIFY_TEST_KAFKA", "embedded", "NOTIFY_TEST_BOOTSTRAP", "b:2",
                "NOTIFY_TEST_KAFKA_IMAGE", "apache/kafka-native:4.1.1");
        Properties all = new Properties();
        all.setProperty("notify.test.kafka.client.security.protocol", "SASL_SSL");
        Settings settings = Settings.from(sys::get, env::get, all);
        assertEquals(Mode.EXTERNAL, settings.mode());
        assertEquals(Optional.of("a:1"), settings.bootstrap());
        assertEquals("apache/kafka-native:4.1.1", settings.image());
        assertEquals(Map.of("security.protocol", "SASL_SSL"), settings.clientOverrides());

        Settings fromEnv = Settings.from(key -> null, env::get, new Properties());
        assertEquals(Mode.EMBEDDED, fromEnv.mode());
        assertEquals(Optional.of("b:2"), fromEnv.bootstrap());
        assertEquals(Mode.AUTO, Settings.from(key -> null, key -> null, new Properties()).mode());
    }

    @Test
    void dockerProbeNeverThrowsAndAnswersQuickly() {
        long start = System.nanoTime();
        DockerStatus status = KafkaBackends.dockerStatus();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.println("Docker probe: " + status + " in " + took.toMillis() + " ms");
        assertTrue(took.compareTo(KafkaBackends.DOCKER_CHECK_TIMEOUT.plusSeconds(1)) < 0, "took " + took);
    }

    @Test
    void printsOneBannerLineNamingTheBackend() {
        var out = new ByteArrayOutputStream();
        Settings settings = new Settings(Mode.EXTERNAL, Optional.of("localhost:1"), "unused",
                Map.of("client.id", "banner-test"));
        try (KafkaBackend backend = KafkaBackends.start(settings, new PrintStream(out, true, StandardCharsets.UTF_8))) {
            assertEquals("external", backend.name());
            assertEquals("banner-test", backend.clientProperties().get("client.id"));
        }
        assertEquals("[notify-relay testkit] Kafka backend: external (given cluster) at localhost:1"
                + System.lineSeparator(), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void testcontainersGetsTheSameBrokerSettingsAsEnvironment() {
        assertEquals("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS",
                TestcontainersKafka.toEnv("group.initial.rebalance.delay.ms"));
        assertEquals("0", KafkaBackends.BROKER_PROPERTIES.get("group.initial.rebalance.delay.ms"));
        assertEquals("1", KafkaBackends.BROKER_PROPERTIES.get("offsets.topic.replication.factor"));
    }
}
