package io.notifyrelay.core.routing;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which node serves which partition, as last learned from the consumer group.
 *
 * @param owners WebSocket URL of the owner of each partition; a partition missing here has no known
 *               owner right now (the group is rebalancing, or no node has it)
 */
public record RouteTable(int partitionCount, Map<Integer, String> owners, Instant learnedAt) {

    public RouteTable {
        owners = Map.copyOf(owners);
    }

    public static RouteTable empty(int partitionCount) {
        return new RouteTable(partitionCount, Map.of(), Instant.EPOCH);
    }

    public Optional<String> ownerOf(int partition) {
        return Optional.ofNullable(owners.get(partition));
    }

    /** Owners in partition order, for display. */
    public TreeMap<Integer, String> sortedOwners() {
        return new TreeMap<>(owners);
    }
}
