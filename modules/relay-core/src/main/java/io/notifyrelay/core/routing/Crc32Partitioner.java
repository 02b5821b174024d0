package io.notifyrelay.core.routing;

import java.util.zip.CRC32;

/**
 * librdkafka's default partitioner, {@code consistent_random}, for keyed records:
 * {@code crc32(key) % partitions} with the zlib CRC-32 taken as unsigned. Producers built on
 * librdkafka (kcat, confluent-kafka for Python/Go/.NET, node-rdkafka) place contacts this way.
 */
public final class Crc32Partitioner implements ContactPartitioner {

    public static final String NAME = "consistent_random";

    @Override
    public int partitionOf(byte[] key, int partitionCount) {
        CRC32 crc = new CRC32();
        crc.update(key, 0, key.length);
        return (int) (crc.getValue() % partitionCount);
    }

    @Override
    public String name() {
        return NAME;
    }
}
