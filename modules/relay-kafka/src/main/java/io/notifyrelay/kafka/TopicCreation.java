package io.notifyrelay.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The topics the relay writes (dead letters, receipts, presence): created at start-up when missing. */
final class TopicCreation {

    private static final Logger log = LoggerFactory.getLogger(TopicCreation.class);

    private TopicCreation() {
    }

    /**
     * Creates {@code topic} with the broker's default partitions and replication and these topic configs,
     * unless it exists.
     *
     * @param what    what the topic is for, e.g. "dead-letter"
     * @param setting the setting that names it, e.g. RELAY_DEAD_LETTER_TOPIC, for the message
     * @throws IllegalStateException saying what to do when the topic can be neither found nor created
     */
    static void ensure(ConsumerSettings settings, String topic, Map<String, String> configs, String what,
                       String setting) {
        Map<String, Object> admin = new HashMap<>(settings.clientProperties());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        admin.keySet().removeIf(key -> !AdminClientConfig.configNames().contains(key));
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, Optional.empty(), Optional.empty()).configs(configs)))
                    .all().get(30, TimeUnit.SECONDS);
            log.info("Created {} topic {}", what, topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(what + " topic '" + topic + "' does not exist and cannot be "
                        + "created (" + e.getCause().getMessage() + "): create it, or set " + setting + "=none",
                        e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from Kafka while checking " + what + " topic " + topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking " + what + " topic " + topic, e);
        }
    }

    /** Producer properties from the consumer's pass-through ones (security …) that a producer understands. */
    static Map<String, Object> producerConfig(ConsumerSettings settings, String clientId) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.keySet().removeIf(key -> !ProducerConfig.configNames().contains(key));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }
}
