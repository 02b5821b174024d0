package io.notifyrelay.core.routing;

import java.util.Optional;
import java.util.Set;

/** What this node knows about partitions: where a contact lives, which partitions it serves, who serves the rest. */
public interface PartitionView {

    int partitionCount();

    /** The topic's epoch, stamped in every cursor (see {@code Cursor}). */
    String epoch();

    /** The partition the producer puts this contact's records on. */
    int partitionOf(String contactId);

    /** Where the producer put this contact while the topic had {@code partitionCount} partitions. */
    int partitionOf(String contactId, int partitionCount);

    /** Partitions whose events this node delivers right now. */
    Set<Integer> ownedPartitions();

    /**
     * The WebSocket URL of the node that serves {@code partition}, when known. In broadcast mode every
     * node serves every partition, so this is this node's own URL.
     */
    Optional<String> ownerOf(int partition);
}
