package io.notifyrelay.testkit;

import java.util.Map;

import org.apache.kafka.clients.admin.Admin;

/**
 * A running Kafka cluster that tests can talk to, whatever provides it (in-process KRaft, a Testcontainers
 * container or an external cluster). Closing it stops what it started and closes {@link #admin()}.
 */
public interface KafkaBackend extends AutoCloseable {

    /** {@code host:port[,host:port]} for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** Short machine-readable name: {@code embedded-kraft}, {@code testcontainers} or {@code external}. */
    String name();

    /** One human-readable line saying what runs where, e.g. for the start-up banner. */
    default String description() {
        return name() + " at " + bootstrapServers();
    }

    /**
     * Creates the topic, or accepts it if it already exists with {@code partitions} partitions, then waits until
     * the metadata shows it and every partition has a leader (so producers do not race the creation).
     *
     * @throws IllegalStateException if the topic exists with a different partition count
     */
    void createTopic(String topic, int partitions);

    /** Deletes the topic (no error if it does not exist) and waits until it is gone from the metadata. */
    void deleteTopic(String topic);

    /** An {@link Admin} client shared by all callers; closed together with the backend, so do not close it. */
    Admin admin();

    /** What any client needs to connect: {@code bootstrap.servers} plus e.g. security settings. Mutable copy. */
    Map<String, Object> clientProperties();

    /** Stops what this backend started. Does not throw checked exceptions. */
    @Override
    void close();
}
