package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Looks the topic up with the Admin API at start-up, so a missing topic or an unreachable cluster stops
 * start-up with one clear message, within a bounded time.
 */
public final class TopicInspector {

    private TopicInspector() {
    }

    /**
     * @param timeout how long to try in all; an unreachable cluster is reported after it plus, at most, one
     *                short TCP probe per bootstrap address that says what each address did
     */
    public static TopicMetadata describe(ConsumerSettings settings, Duration timeout) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "notify-relay-admin");
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) {
            // e.g. "No resolvable bootstrap urls given in bootstrap.servers"
            throw unreachable(settings, "the client could not start: " + rootMessage(e), timeout);
        }
        try (admin) {
            TopicDescription description = admin.describeTopics(List.of(settings.topic())).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(settings.topic());
            return new TopicMetadata(description.name(), description.topicId().toString(),
                    description.partitions().size());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic '" + settings.topic() + "' does not exist on "
                        + settings.bootstrapServers() + ": create it (keyed by contactId, e.g. 12 partitions) "
                        + "or set RELAY_TOPIC to the topic the Notify API publishes to");
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(settings, null, timeout);
            }
            throw new IllegalStateException("cannot describe topic '" + settings.topic() + "' on "
                    + settings.bootstrapServers() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(settings, null, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topic " + settings.topic(), e);
        }
    }

    private static IllegalStateException unreachable(ConsumerSettings settings, String clientProblem,
                                                     Duration timeout) {
        String tried = clientProblem != null ? clientProblem : BootstrapProbe.describe(settings.bootstrapServers());
        return new IllegalStateException("Kafka unreachable: no broker of RELAY_KAFKA_BOOTSTRAP_SERVERS="
                + settings.bootstrapServers() + " answered within " + timeout.toSeconds() + " s (tried to connect "
                + "and describe topic '" + settings.topic() + "'; " + tried + "). Check the addresses, that the "
                + "brokers run and listen there, and the security settings (RELAY_KAFKA_PROPERTY_SECURITY_PROTOCOL …); "
                + "RELAY_KAFKA_STARTUP_TIMEOUT sets how long to try");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
