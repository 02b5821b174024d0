package io.notifyrelay.testkit;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

import org.testcontainers.DockerClientFactory;

/**
 * Chooses and starts the Kafka backend for a test run.
 *
 * <p>Settings, each a system property or else an environment variable:
 * <ul>
 *   <li>{@code notify.test.kafka} / {@code NOTIFY_TEST_KAFKA}: {@code auto} (default), {@code embedded},
 *       {@code testcontainers} or {@code external}.</li>
 *   <li>{@code notify.test.bootstrap} / {@code NOTIFY_TEST_BOOTSTRAP}: bootstrap servers of an external cluster;
 *       setting it makes {@code auto} pick {@code external}.</li>
 *   <li>{@code notify.test.kafka.image} / {@code NOTIFY_TEST_KAFKA_IMAGE}: the Testcontainers image
 *       (default {@value TestcontainersKafka#DEFAULT_IMAGE}).</li>
 *   <li>system properties {@code notify.test.kafka.client.<key>}: extra client settings for an external cluster
 *       (e.g. {@code notify.test.kafka.client.security.protocol=SASL_SSL}).</li>
 * </ul>
 * {@code auto} = external if a bootstrap is given, else Testcontainers if Docker answers, else embedded KRaft.
 */
public final class KafkaBackends {

    public static final String MODE_PROPERTY = "notify.test.kafka";
    public static final String MODE_ENV = "NOTIFY_TEST_KAFKA";
    public static final String BOOTSTRAP_PROPERTY = "notify.test.bootstrap";
    public static final String BOOTSTRAP_ENV = "NOTIFY_TEST_BOOTSTRAP";
    public static final String IMAGE_PROPERTY = "notify.test.kafka.image";
    public static final String IMAGE_ENV = "NOTIFY_TEST_KAFKA_IMAGE";
    public static final String CLIENT_PROPERTY_PREFIX = "notify.test.kafka.client.";

    /** Prefix of the banner line, so CI logs can be grepped for which backend ran. */
    public static final String BANNER_PREFIX = "[notify-relay testkit] Kafka backend: ";

    /**
     * Broker settings shared by the embedded broker and the Testcontainers broker, so both behave alike.
     * Single-node replication for the internal topics (otherwise consumer groups and transactions never become
     * ready), no initial rebalance delay, both group protocols, and KIP-848 heartbeats/session timeouts short
     * enough that tests of member joins and crashes take seconds rather than the production 5 s / 45 s.
     */
    public static final Map<String, String> BROKER_PROPERTIES = orderedMap(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "transaction.state.log.num.partitions", "1",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "group.initial.rebalance.delay.ms", "0",
            "group.coordinator.rebalance.protocols", "classic,consumer",
            "group.consumer.min.heartbeat.interval.ms", "500",
            "group.consumer.heartbeat.interval.ms", "1000",
            "group.consumer.min.session.timeout.ms", "6000",
            "group.consumer.session.timeout.ms", "10000");

    static final Duration DOCKER_CHECK_TIMEOUT = Duration.ofSeconds(10);

    public enum Mode {
        AUTO, EMBEDDED, TESTCONTAINERS, EXTERNAL;

        static Mode parse(String value) {
            String normalized = value.trim().toUpperCase(Locale.ROOT);
            for (Mode mode : values()) {
                if (mode.name().equals(normalized)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("Unknown " + MODE_PROPERTY + "/" + MODE_ENV + " value '" + value
                    + "'; use auto, embedded, testcontainers or external");
        }
    }

    /** The settings that drive the choice; {@link #fromEnvironment()} reads them from system properties and env. */
    public record Settings(Mode mode, Optional<String> bootstrap, String image, Map<String, Object> clientOverrides) {

        public Settings {
            bootstrap = bootstrap.map(String::trim).filter(b -> !b.isEmpty());
            clientOverrides = Map.copyOf(clientOverrides);
        }

        public static Settings of(Mode mode, String bootstrapOrNull) {
            return new Settings(mode, Optional.ofNullable(bootstrapOrNull), TestcontainersKafka.DEFAULT_IMAGE, Map.of());
        }

        public static Settings fromEnvironment() {
            return from(System::getProperty, System::getenv, System.getProperties());
        }

        static Settings from(UnaryOperator<String> sysProps, UnaryOperator<String> env, Map<Object, Object> allProps) {
            String mode = firstNonBlank(sysProps.apply(MODE_PROPERTY), env.apply(MODE_ENV)).orElse("auto");
            Optional<String> bootstrap = firstNonBlank(sysProps.apply(BOOTSTRAP_PROPERTY), env.apply(BOOTSTRAP_ENV));
            String image = firstNonBlank(sysProps.apply(IMAGE_PROPERTY), env.apply(IMAGE_ENV))
                    .orElse(TestcontainersKafka.DEFAULT_IMAGE);
            Map<String, Object> client = new LinkedHashMap<>();
            allProps.forEach((k, v) -> {
                String key = String.valueOf(k);
                if (key.startsWith(CLIENT_PROPERTY_PREFIX)) {
                    client.put(key.substring(CLIENT_PROPERTY_PREFIX.length()), String.valueOf(v));
                }
            });
            return new Settings(Mode.parse(mode), bootstrap, image, client);
        }
    }

    /** What {@link #resolve} decided, and why (printed in the banner when the reason is not obvious). */
    public record Choice(Mode mode, String reason) {
    }

    private KafkaBackends() {
    }

    /** Starts the backend chosen from system properties / env and prints one banner line to stdout. */
    public static KafkaBackend start() {
        return start(Settings.fromEnvironment(), System.out);
    }

    public static KafkaBackend start(Settings settings, PrintStream out) {
        Choice choice = resolve(settings, KafkaBackends::dockerStatus);
        KafkaBackend backend = switch (choice.mode()) {
            case EXTERNAL -> new ExternalKafka(settings.bootstrap().orElseThrow(() -> new IllegalStateException(
                    MODE_PROPERTY + "=external needs " + BOOTSTRAP_PROPERTY + " or " + BOOTSTRAP_ENV
                            + " (e.g. localhost:9092)")), settings.clientOverrides());
            case TESTCONTAINERS -> TestcontainersKafka.start(settings.image());
            case EMBEDDED -> EmbeddedKraftKafka.builder().build().start();
            case AUTO -> throw new AssertionError("resolve never returns AUTO");
        };
        out.println(BANNER_PREFIX + backend.description()
                + (choice.reason().isEmpty() ? "" : " [" + choice.reason() + "]"));
        out.flush();
        return backend;
    }

    /**
     * Decides the backend without starting it. A forced {@code testcontainers} without Docker fails here, with the
     * reason, rather than silently falling back (or skipping): the user asked for it explicitly.
     */
    public static Choice resolve(Settings settings, DockerProbe docker) {
        return switch (settings.mode()) {
            case EXTERNAL -> new Choice(Mode.EXTERNAL, "");
            case EMBEDDED -> new Choice(Mode.EMBEDDED, "");
            case TESTCONTAINERS -> {
                DockerStatus status = docker.status();
                if (!status.available()) {
                    throw new IllegalStateException(MODE_PROPERTY + "=testcontainers but Testcontainers found no"
                            + " usable Docker environment: " + status.detail() + ". Start Docker, or run with "
                            + MODE_PROPERTY + "=embedded (or auto).");
                }
                yield new Choice(Mode.TESTCONTAINERS, "");
            }
            case AUTO -> {
                if (settings.bootstrap().isPresent()) {
                    yield new Choice(Mode.EXTERNAL, "auto: " + BOOTSTRAP_PROPERTY + " is set");
                }
                DockerStatus status = docker.status();
                yield status.available()
                        ? new Choice(Mode.TESTCONTAINERS, "auto: Docker is available")
                        : new Choice(Mode.EMBEDDED, "auto: no Docker (" + status.detail() + ")");
            }
        };
    }

    /** Whether Testcontainers can use Docker, and if not, why. */
    public record DockerStatus(boolean available, String detail) {
    }

    @FunctionalInterface
    public interface DockerProbe {
        DockerStatus status();
    }

    /**
     * Asks Testcontainers whether Docker is usable. Never throws and never takes longer than
     * {@link #DOCKER_CHECK_TIMEOUT}: a hung daemon socket or a broken client must not fail or stall a test run
     * that can fall back to the embedded broker.
     */
    public static DockerStatus dockerStatus() {
        CompletableFuture<Boolean> check = new CompletableFuture<>();
        Thread probe = new Thread(() -> {
            try {
                check.complete(DockerClientFactory.instance().isDockerAvailable());
            } catch (Throwable t) {
                check.completeExceptionally(t);
            }
        }, "notify-testkit-docker-probe");
        probe.setDaemon(true); // a hung probe must not keep the JVM alive
        probe.start();
        try {
            boolean available = check.get(DOCKER_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new DockerStatus(available, available ? "docker available" : "Docker not found or not running");
        } catch (TimeoutException e) {
            return new DockerStatus(false, "Docker check timed out after " + DOCKER_CHECK_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            return new DockerStatus(false, "Docker check failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DockerStatus(false, "Docker check interrupted");
        }
    }

    private static Optional<String> firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim());
            }
        }
        return Optional.empty();
    }

    private static Map<String, String> orderedMap(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
