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
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Looks the topic up with the Admin API at start-up, so a missing topic stops start-up with a clear message. */
public final class TopicInspector {

    private TopicInspector() {
    }

    public static TopicMetadata describe(ConsumerSettings settings, Duration timeout) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "notify-relay-admin");
        try (Admin admin = Admin.create(config)) {
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
            throw new IllegalStateException("cannot describe topic '" + settings.topic() + "' on "
                    + settings.bootstrapServers() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from Kafka at " + settings.bootstrapServers() + " within "
                    + timeout.toSeconds() + " s: check RELAY_KAFKA_BOOTSTRAP_SERVERS and that the brokers are reachable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topic " + settings.topic(), e);
        }
    }
}
