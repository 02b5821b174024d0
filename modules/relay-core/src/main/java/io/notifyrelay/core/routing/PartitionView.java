package io.notifyrelay.core.routing;

import java.util.Set;

/** What this node knows about partitions: where a contact lives and which partitions this node consumes. */
public interface PartitionView {

    int partitionCount();

    /** The partition the producer puts this contact's records on. */
    int partitionOf(String contactId);

    /** Partitions whose events this node delivers right now. */
    Set<Integer> ownedPartitions();
}
