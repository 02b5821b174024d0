package io.notifyrelay.bench;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.kafka.KafkaRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The raw baseline: a plain {@link KafkaConsumer} (default fetch settings, like the relay's) reading the records
 * the bench produced, from the beginning of the topic, with no sockets to clients. Optionally it also runs the
 * relay's own decode step ({@code KafkaRecords.toInbound} + {@code EnvelopeDecoder.decode}) on each record, which
 * separates the cost of reading from Kafka from the cost of the envelope rules.
 */
final class RawConsumer {

    record Result(long records, double seconds, double recordsPerSecond, double cpuSeconds, long accepted) {
    }

    static Result read(String bootstrap, String topic, long maxRecords, boolean decode) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-raw");
        EnvelopeDecoder decoder = new EnvelopeDecoder("bench", 262144);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long available = 0;
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            for (Map.Entry<TopicPartition, Long> end : consumer.endOffsets(partitions).entrySet()) {
                available += end.getValue() - begin.get(end.getKey());
            }
            long target = Math.min(maxRecords, available);
            // the first poll pays for metadata and connections: leave it out of the clock
            long count = 0;
            long accepted = 0;
            long bytes = 0;
            ConsumerRecords<byte[], byte[]> first = consumer.poll(Duration.ofSeconds(5));
            count += first.count();
            double cpu0 = ProcFs.selfCpuSeconds();
            long start = System.nanoTime();
            long counted = 0;
            long deadline = start + Duration.ofMinutes(3).toNanos();
            while (count < target && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    bytes += record.serializedValueSize();
                    if (decode && decoder.decode(KafkaRecords.toInbound(record)) instanceof DecodeResult.Accepted) {
                        accepted++;
                    }
                }
                count += records.count();
                counted += records.count();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = ProcFs.selfCpuSeconds() - cpu0;
            if (bytes < 0) {
                throw new IllegalStateException();
            }
            return new Result(counted, seconds, counted / Math.max(seconds, 1e-9), cpu, accepted);
        }
    }
}
