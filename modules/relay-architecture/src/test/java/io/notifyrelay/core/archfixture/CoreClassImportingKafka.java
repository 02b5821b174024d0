package io.notifyrelay.core.archfixture;

import org.apache.kafka.common.TopicPartition;

/** A deliberate violation, in test sources only, that proves {@code ArchitectureTest}'s rules can fail. */
public final class CoreClassImportingKafka {

    public TopicPartition partition() {
        return new TopicPartition("t", 0);
    }
}
