package io.notifyrelay.app;

import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.PartitionView;
import io.notifyrelay.core.routing.RouteTable;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Places contacts with the producer's partitioner, reads this node's partitions from its consumer and
 * everybody else's from the route table. The partition count is the current one: it grows while running. This node's own view wins over the table, which lags a little.
 */
final class TopicPartitionView implements PartitionView {

    private final IntSupplier partitionCount;
    private final String epoch;
    private final ContactPartitioner partitioner;
    private final Supplier<Set<Integer>> owned;
    private final Supplier<RouteTable> routes;
    private final Supplier<String> selfUrl;

    TopicPartitionView(IntSupplier partitionCount, String epoch, ContactPartitioner partitioner, Supplier<Set<Integer>> owned,
                       Supplier<RouteTable> routes, Supplier<String> selfUrl) {
        this.partitionCount = partitionCount;
        this.epoch = epoch;
        this.partitioner = partitioner;
        this.owned = owned;
        this.routes = routes;
        this.selfUrl = selfUrl;
    }

    @Override
    public int partitionCount() {
        return partitionCount.getAsInt();
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public int partitionOf(String contactId) {
        return partitioner.partitionOf(contactId, partitionCount.getAsInt());
    }

    @Override
    public int partitionOf(String contactId, int count) {
        return partitioner.partitionOf(contactId, count);
    }

    @Override
    public Set<Integer> ownedPartitions() {
        return owned.get();
    }

    @Override
    public Optional<String> ownerOf(int partition) {
        if (owned.get().contains(partition)) {
            return Optional.of(selfUrl.get());
        }
        // the table may still name this node for a partition it has just lost
        return routes.get().ownerOf(partition).filter(url -> !url.equals(selfUrl.get()));
    }
}
