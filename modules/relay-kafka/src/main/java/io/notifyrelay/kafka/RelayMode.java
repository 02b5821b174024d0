package io.notifyrelay.kafka;

/**
 * How one {@link RelayConsumer} reads the topic. (A node's serving mode, RELAY_MODE, combines them: in owner
 * mode one group member; in anywhere mode a broadcast delivery reader plus a group member for the
 * once-per-record duties.)
 */
public enum RelayMode {
    /**
     * A member of the relay's consumer group: reads only its share of the partitions and commits its progress,
     * so the deployment's lag and each record's once-per-cluster handling come from the group.
     */
    GROUP,
    /**
     * Assigns every partition itself, with no group and nothing committed: from the live end at start, added
     * partitions from their beginning.
     */
    BROADCAST
}
