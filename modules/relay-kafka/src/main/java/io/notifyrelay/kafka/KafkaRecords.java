package io.notifyrelay.kafka;

import io.notifyrelay.core.InboundRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Converts Kafka records to the Kafka-free {@link InboundRecord} the envelope rules work on. Public so the bench
 * can run the relay's own decode step on a bare consumer.
 */
public final class KafkaRecords {

    private KafkaRecords() {
    }

    public static InboundRecord toInbound(ConsumerRecord<byte[], byte[]> record) {
        Map<String, byte[]> headers = new HashMap<>(8);
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), header.value());
            }
        }
        return new InboundRecord(record.topic(), record.partition(), record.offset(), record.timestamp(),
                record.key(), headers, record.value());
    }
}
