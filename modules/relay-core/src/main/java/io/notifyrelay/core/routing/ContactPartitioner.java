package io.notifyrelay.core.routing;

import java.nio.charset.StandardCharsets;

/**
 * Computes the partition a contact's records land on, exactly as the producer's partitioner does, so
 * the relay knows which node owns a contact without reading the data.
 */
public interface ContactPartitioner {

    int partitionOf(byte[] key, int partitionCount);

    default int partitionOf(String contactId, int partitionCount) {
        return partitionOf(contactId.getBytes(StandardCharsets.UTF_8), partitionCount);
    }

    /** The name used in configuration and in {@code GET /v1/routes}. */
    String name();
}
