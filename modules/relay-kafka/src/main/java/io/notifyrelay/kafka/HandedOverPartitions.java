package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group member's side of a {@link PartitionHandover}, on its consumer thread: pauses the partitions it handed
 * over, keeps their position (what auto-commit commits) at the other reader's progress, and on revocation takes
 * them back and commits their final progress, so the next owner starts exactly where the duties stopped.
 */
final class HandedOverPartitions {

    private static final Logger log = LoggerFactory.getLogger(RelayConsumer.class);

    private final String topic;
    private final PartitionHandover handover;
    /** Paused partitions and the offset their position was last set to (consumer thread only). */
    private final Map<Integer, Long> paused = new HashMap<>();

    HandedOverPartitions(String topic, PartitionHandover handover) {
        this.topic = topic;
        this.handover = handover;
    }

    /**
     * After each poll: offers each partition still read to the handover (once the member's position is known and
     * the partition's end has been fetched, so its lag series exists), and moves the paused ones' positions on.
     */
    void afterPoll(Consumer<byte[], byte[]> kafka, Set<Integer> owned) {
        for (int partition : owned) {
            TopicPartition topicPartition = new TopicPartition(topic, partition);
            Long at = paused.get(partition);
            if (at == null) {
                offer(kafka, partition, topicPartition);
            } else {
                long progress = handover.progress(partition);
                if (progress > at) {
                    kafka.seek(topicPartition, progress); // paused: fetches nothing, auto-commit commits it
                    paused.put(partition, progress);
                }
            }
        }
    }

    private void offer(Consumer<byte[], byte[]> kafka, int partition, TopicPartition topicPartition) {
        long position;
        try {
            if (kafka.currentLag(topicPartition).isEmpty()) {
                return; // nothing fetched yet
            }
            position = kafka.position(topicPartition, Duration.ZERO);
        } catch (KafkaException | IllegalStateException | UnsupportedOperationException notKnownYet) {
            return; // asked again after the next poll
        }
        if (handover.handOver(partition, position)) {
            kafka.pause(List.of(topicPartition));
            paused.put(partition, position);
            log.debug("Partition {} handed over at offset {}", partition, position);
        }
    }

    /**
     * In the rebalance callback: these partitions leave the member. Takes their duties back and, when they were
     * revoked (not lost), commits where the duties stopped; a failed commit only means duplicates, never a gap.
     */
    void removed(Consumer<byte[], byte[]> kafka, Collection<Integer> partitions, boolean commit) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int partition : partitions) {
            paused.remove(partition);
            long progress = handover.takeBack(partition);
            if (progress >= 0) {
                offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(progress));
            }
        }
        if (!commit || offsets.isEmpty()) {
            return;
        }
        try {
            try {
                kafka.commitSync(offsets, Duration.ofSeconds(5));
            } catch (WakeupException spent) { // a close or loop task woke the consumer; the wakeup is spent now
                kafka.commitSync(offsets, Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            log.warn("Could not commit the progress of the partitions {} handed back: {} (their next owner may repeat"
                    + " some receipts or dead letters)", offsets.keySet(), e.toString());
        }
    }
}
