package io.notifyrelay.core.routing;

/**
 * The Java client's (and kafkajs') default partitioner for keyed records:
 * {@code toPositive(murmur2(key)) % partitions}. Reimplemented here because the domain core must not
 * depend on kafka-clients; a test in the Kafka module pins it to the client's own implementation.
 */
public final class Murmur2Partitioner implements ContactPartitioner {

    public static final String NAME = "murmur2";

    @Override
    public int partitionOf(byte[] key, int partitionCount) {
        return (murmur2(key) & 0x7fffffff) % partitionCount;
    }

    @Override
    public String name() {
        return NAME;
    }

    static int murmur2(byte[] data) {
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            final int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
                    + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length4 * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
