package io.notifyrelay.testkit;

import java.util.Locale;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** A KRaft broker in a Docker container ({@code apache/kafka}), for machines with Docker. */
public final class TestcontainersKafka extends AbstractKafkaBackend {

    public static final String NAME = "testcontainers";
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.1";

    private final KafkaContainer container;

    private TestcontainersKafka(KafkaContainer container) {
        this.container = container;
    }

    public static TestcontainersKafka start() {
        return start(DEFAULT_IMAGE);
    }

    /** Starts a container from {@code image} (an {@code apache/kafka} or {@code apache/kafka-native} tag). */
    @SuppressWarnings("resource") // closed by close()
    public static TestcontainersKafka start(String image) {
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image));
        // same broker settings as the embedded broker; the image maps KAFKA_FOO_BAR to foo.bar
        KafkaBackends.BROKER_PROPERTIES.forEach((key, value) -> container.withEnv(toEnv(key), value));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException("Testcontainers Kafka (" + image + ") failed to start: " + e.getMessage()
                    + ". To run without Docker use -D" + KafkaBackends.MODE_PROPERTY + "=embedded.", e);
        }
        return new TestcontainersKafka(container);
    }

    static String toEnv(String brokerProperty) {
        return "KAFKA_" + brokerProperty.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return NAME + " (" + container.getDockerImageName() + ") at " + bootstrapServers();
    }

    @Override
    protected void stop() {
        container.stop();
    }
}
