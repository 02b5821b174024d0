package io.notifyrelay.kafka;

import java.util.Set;

/** Told when the group gives this node partitions or takes them away. Called on the consumer thread. */
public interface PartitionListener {

    void onAssigned(Set<Integer> added, Set<Integer> nowOwned);

    void onRevoked(Set<Integer> removed, Set<Integer> nowOwned);

    /** The topic has more partitions than before (Kafka never has fewer); called before any of them is assigned. */
    default void onPartitionCountChanged(int previous, int now) {
    }

    PartitionListener NONE = new PartitionListener() {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
        }
    };
}
