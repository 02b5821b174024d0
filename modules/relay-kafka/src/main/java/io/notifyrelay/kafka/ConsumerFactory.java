package io.notifyrelay.kafka;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Creates the consumer the poll loop drives; the seam unit tests use to drive it with MockConsumer. */
@FunctionalInterface
public interface ConsumerFactory {

    Consumer<byte[], byte[]> create(Map<String, Object> config);

    static ConsumerFactory kafka() {
        return config -> new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
