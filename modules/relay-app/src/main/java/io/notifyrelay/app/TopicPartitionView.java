package io.notifyrelay.app;

import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.PartitionView;
import java.util.Set;
import java.util.function.Supplier;

/** Places contacts with the producer's partitioner and reads ownership from the consumer. */
final class TopicPartitionView implements PartitionView {

    private final int partitionCount;
    private final ContactPartitioner partitioner;
    private final Supplier<Set<Integer>> owned;

    TopicPartitionView(int partitionCount, ContactPartitioner partitioner, Supplier<Set<Integer>> owned) {
        this.partitionCount = partitionCount;
        this.partitioner = partitioner;
        this.owned = owned;
    }

    @Override
    public int partitionCount() {
        return partitionCount;
    }

    @Override
    public int partitionOf(String contactId) {
        return partitioner.partitionOf(contactId, partitionCount);
    }

    @Override
    public Set<Integer> ownedPartitions() {
        return owned.get();
    }
}
