package io.notifyrelay.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions a {@link RelayConsumer} reads and from where: joins the group (or assigns every partition in
 * broadcast mode), follows rebalances and a growing partition count, and tells the handler where each new
 * partition starts. Its state is written on the consumer thread only.
 */
final class ConsumerPartitions {

    private static final Logger log = LoggerFactory.getLogger(RelayConsumer.class);

    private final ConsumerSettings settings;
    private final RecordHandler handler;
    private final PartitionListener partitionListener;
    private final MeterRegistry meterRegistry;
    private final KafkaCalls calls;
    /** Called at the first assignment: the loop runs. */
    private final Runnable onFirstAssignment;
    /** Null unless this group member hands partitions to another reader of the node. */
    private final HandedOverPartitions handedOver;
    private Consumer<byte[], byte[]> consumer;
    private volatile Set<Integer> ownedPartitions = Set.of();
    /** The topic's partition count as last seen; 0 until the loop has looked. */
    private volatile int partitionCount;
    private long nextMetadataCheckNanos;
    /** Owned partitions whose position the handler has not been told yet (consumer thread only). */
    private final Set<Integer> positionsUntold = new HashSet<>();

    ConsumerPartitions(ConsumerSettings settings, RecordHandler handler, PartitionListener partitionListener,
                       MeterRegistry meterRegistry, KafkaCalls calls, Runnable onFirstAssignment,
                       HandedOverPartitions handedOver) {
        this.handedOver = handedOver;
        this.settings = settings;
        this.handler = handler;
        this.partitionListener = partitionListener;
        this.meterRegistry = meterRegistry;
        this.calls = calls;
        this.onFirstAssignment = onFirstAssignment;
        for (String change : List.of("assigned", "revoked", "lost")) {
            rebalances(change); // at zero from start-up, so dashboards and rate() see the series
        }
    }

    private Counter rebalances(String change) {
        return Counter.builder("relay.rebalances").tag("change", change)
                .description("Rebalance callbacks that gave this node partitions (assigned) or took them (revoked, lost)")
                .register(meterRegistry);
    }

    int partitionCount() {
        return partitionCount;
    }

    Set<Integer> ownedPartitions() {
        return ownedPartitions;
    }

    /** On the loop thread, first: subscribes to the group, or in broadcast mode assigns every partition. */
    void join(Consumer<byte[], byte[]> kafka) {
        this.consumer = kafka;
        List<PartitionInfo> atStart = kafka.partitionsFor(settings.topic());
        partitionCount = atStart == null ? 0 : atStart.size();
        nextMetadataCheckNanos = System.nanoTime() + settings.metadataRefresh().toNanos();
        if (settings.mode() == RelayMode.BROADCAST) {
            assignAll(kafka);
        } else {
            kafka.subscribe(List.of(settings.topic()), new Rebalance());
        }
    }

    private void assignAll(Consumer<byte[], byte[]> kafka) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : kafka.partitionsFor(settings.topic())) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        kafka.assign(partitions);
        if ("earliest".equals(settings.clientProperties().get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG))) {
            kafka.seekToBeginning(partitions); // asked for by the operator (or a test): the whole topic again
        } else {
            kafka.seekToEnd(partitions);
        }
        resolvePositions(kafka, partitions);
        new Rebalance().onPartitionsAssigned(partitions);
    }

    /**
     * Looks the seeked positions up now rather than at the first fetch, so "running" means every record produced
     * from here on is read: an event published right after readiness is not skipped by a later end lookup.
     */
    private void resolvePositions(Consumer<byte[], byte[]> kafka, Collection<TopicPartition> partitions) {
        try {
            for (TopicPartition partition : partitions) {
                calls.despiteWakeups(() -> kafka.position(partition, Duration.ofSeconds(5)));
            }
        } catch (TimeoutException e) {
            log.warn("Could not look up the start positions of {} yet: {}", partitionsOf(partitions), e.toString());
        }
    }

    /**
     * Every {@code metadataRefresh}: has the topic more partitions? The group rebalances by itself (its
     * leader's metadata is as fresh); a broadcast node assigns the new ones itself, from their beginning,
     * since everything in them was produced after the change.
     */
    void checkPartitionCount(Consumer<byte[], byte[]> kafka) {
        long now = System.nanoTime();
        if (now < nextMetadataCheckNanos) {
            return;
        }
        nextMetadataCheckNanos = now + settings.metadataRefresh().toNanos();
        List<PartitionInfo> partitions;
        try {
            partitions = kafka.partitionsFor(settings.topic(), Duration.ofSeconds(1));
        } catch (TimeoutException e) {
            return; // asked again at the next check
        }
        // the group's assignment is evidence too: its leader saw the new partitions before this consumer's
        // metadata did, and a node that owns partition 8 while it counts 6 sends clients the wrong way
        int count = Math.max(partitions == null ? 0 : partitions.size(), highestOwned() + 1);
        int previous = partitionCount;
        if (count <= previous || previous == 0) {
            return;
        }
        partitionCount = count;
        log.info("Topic {} has {} partitions now (was {})", settings.topic(), count, previous);
        partitionListener.onPartitionCountChanged(previous, count);
        if (settings.mode() == RelayMode.BROADCAST) {
            List<TopicPartition> added = new ArrayList<>();
            for (int partition = previous; partition < count; partition++) {
                added.add(new TopicPartition(settings.topic(), partition));
            }
            List<TopicPartition> all = new ArrayList<>(kafka.assignment());
            all.addAll(added);
            kafka.assign(all);
            kafka.seekToBeginning(added);
            new Rebalance().onPartitionsAssigned(added);
        }
    }

    /**
     * A partition the group has never committed, in a group that has committed others, was added after
     * the group started: read it from its beginning, not from {@code auto.offset.reset=latest}, which
     * would skip what was produced to it before this node got it. A new group still starts at the end.
     */
    private void startNewPartitionsAtTheirBeginning(Consumer<byte[], byte[]> kafka, Collection<TopicPartition> assigned) {
        if (assigned.isEmpty() || settings.mode() != RelayMode.GROUP) {
            return;
        }
        try {
            Set<TopicPartition> all = new HashSet<>(assigned);
            for (int partition = 0; partition < partitionCount; partition++) {
                all.add(new TopicPartition(settings.topic(), partition));
            }
            Map<TopicPartition, OffsetAndMetadata> committed =
                    calls.despiteWakeups(() -> kafka.committed(all, Duration.ofSeconds(5)));
            boolean groupHasHistory = committed.values().stream().anyMatch(Objects::nonNull);
            if (!groupHasHistory) {
                return;
            }
            List<TopicPartition> fresh = assigned.stream().filter(tp -> committed.get(tp) == null).toList();
            if (!fresh.isEmpty()) {
                log.info("Partitions {} have no committed offset in group {}: reading them from their beginning",
                        partitionsOf(fresh), settings.groupId());
                kafka.seekToBeginning(fresh);
            }
        } catch (RuntimeException e) {
            // left to auto.offset.reset; logged so a skipped start is visible
            log.warn("Could not read committed offsets of {}: {}", partitionsOf(assigned), e.toString());
        }
    }

    private int highestOwned() {
        int highest = -1;
        for (int partition : ownedPartitions) {
            highest = Math.max(highest, partition);
        }
        return highest;
    }

    private static Set<Integer> partitionsOf(Collection<TopicPartition> partitions) {
        Set<Integer> result = new TreeSet<>();
        for (TopicPartition partition : partitions) {
            result.add(partition.partition());
        }
        return result;
    }

    /**
     * Tells the handler where each newly assigned partition starts: its first record in this batch, else the
     * consumer's position. {@code wait} bounds the whole call (the positions are looked up together on the first
     * call); whatever is not known by then is asked again, without waiting, after the next poll.
     */
    void tellPositions(Consumer<byte[], byte[]> kafka, ConsumerRecords<byte[], byte[]> records, Duration wait) {
        if (positionsUntold.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (Iterator<Integer> it = positionsUntold.iterator(); it.hasNext(); ) {
            int partition = it.next();
            TopicPartition topicPartition = new TopicPartition(settings.topic(), partition);
            List<ConsumerRecord<byte[], byte[]>> batch = records.records(topicPartition);
            long position;
            if (!batch.isEmpty()) {
                position = batch.get(0).offset();
            } else {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                try {
                    position = calls.despiteWakeups(() -> kafka.position(topicPartition, left));
                } catch (TimeoutException | IllegalStateException | WakeupException notYet) {
                    continue;
                }
            }
            handler.onPosition(partition, position);
            it.remove();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            startNewPartitionsAtTheirBeginning(consumer, partitions);
            Set<Integer> added = partitionsOf(partitions);
            Set<Integer> owned = new TreeSet<>(ownedPartitions);
            owned.addAll(added);
            ownedPartitions = Set.copyOf(owned);
            if (partitionCount > 0 && highestOwned() >= partitionCount) {
                nextMetadataCheckNanos = System.nanoTime(); // the topic grew: count again at once, not in 5 s
            }
            positionsUntold.addAll(added);
            // before the node says it is ready, so a session registered at once gets a full resume point
            tellPositions(consumer, ConsumerRecords.empty(), Duration.ofSeconds(1));
            onFirstAssignment.run();
            log.info("Partitions assigned: {}; now owning {}", added, new TreeSet<>(owned));
            rebalances("assigned").increment();
            partitionListener.onAssigned(added, ownedPartitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            removed(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            removed(partitions, "lost");
        }

        private void removed(Collection<TopicPartition> partitions, String how) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<Integer> removed = partitionsOf(partitions);
            if (handedOver != null) {
                // before the partitions move on: the duties stop here and the next owner starts where they stopped
                handedOver.removed(consumer, removed, how.equals("revoked"));
            }
            Set<Integer> owned = new TreeSet<>(ownedPartitions);
            owned.removeAll(removed);
            ownedPartitions = Set.copyOf(owned);
            positionsUntold.removeAll(removed);
            log.info("Partitions {}: {}; now owning {}", how, removed, new TreeSet<>(owned));
            rebalances(how).increment();
            partitionListener.onRevoked(removed, ownedPartitions);
        }
    }
}
