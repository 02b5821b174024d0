package io.notifyrelay.testkit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.awaitility.Awaitility;

/** Topic handling and the shared Admin client, identical for every backend. */
abstract class AbstractKafkaBackend implements KafkaBackend {

    static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final Object adminLock = new Object();
    private Admin admin;
    private boolean closed;

    @Override
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    @Override
    public Admin admin() {
        synchronized (adminLock) {
            if (closed) {
                throw new IllegalStateException(name() + " Kafka backend is closed");
            }
            if (admin == null) {
                admin = Admin.create(clientProperties());
            }
            return admin;
        }
    }

    @Override
    public void createTopic(String topic, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, was " + partitions);
        }
        try {
            // replication factor left to the broker default (1 on the single-node backends)
            get(admin().createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all());
        } catch (TopicExistsException exists) {
            // idempotent: fine as long as the shape matches; the wait below checks the partition count
        }
        Awaitility.await("topic " + topic + " with " + partitions + " partitions, all with a leader")
                .atMost(ADMIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .ignoreException(UnknownTopicOrPartitionException.class)
                .until(() -> isReady(topic, partitions));
    }

    private boolean isReady(String topic, int partitions) {
        TopicDescription description = get(admin().describeTopics(Set.of(topic)).allTopicNames()).get(topic);
        int actual = description.partitions().size();
        if (actual != partitions) {
            // Awaitility would otherwise retry until the timeout on a mismatch that can never heal
            throw new IllegalStateException("topic " + topic + " already exists with " + actual
                    + " partitions, expected " + partitions);
        }
        return description.partitions().stream().map(TopicPartitionInfo::leader)
                .allMatch(leader -> leader != null && !leader.isEmpty());
    }

    @Override
    public void deleteTopic(String topic) {
        try {
            get(admin().deleteTopics(List.of(topic)).all());
        } catch (UnknownTopicOrPartitionException absent) {
            return;
        }
        Awaitility.await("topic " + topic + " deleted")
                .atMost(ADMIN_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !get(admin().listTopics().names()).contains(topic));
    }

    @Override
    public final void close() {
        synchronized (adminLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        }
        stop();
    }

    /** Stops what the backend started; called once, after the shared Admin is closed. */
    protected abstract void stop();

    @Override
    public String toString() {
        try {
            return description();
        } catch (IllegalStateException notRunning) {
            return name() + " (not running)"; // toString must not throw, e.g. inside assertion messages
        }
    }

    /** Unwraps Kafka's futures so callers see the Kafka exception (e.g. TopicExistsException) directly. */
    static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka admin call timed out after " + ADMIN_TIMEOUT, e);
        }
    }
}
