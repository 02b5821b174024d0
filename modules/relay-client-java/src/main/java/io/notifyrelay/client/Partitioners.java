package io.notifyrelay.client;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The producers' partitioners, as {@code GET /v1/routes} names them, so the client knows which node owns a
 * contact before it subscribes. A wrong guess costs one {@code moved} frame, never an event.
 */
final class Partitioners {

    /** Computes the partition of a contact. */
    @FunctionalInterface
    interface Partitioner {
        int partitionOf(String contactId, int partitionCount);
    }

    private Partitioners() {
    }

    /** The partitioner called {@code name}, or null when this client does not know it. */
    static Partitioner byName(String name) {
        if (name == null) {
            return null;
        }
        switch (name.toLowerCase(Locale.ROOT)) {
            case "murmur2":
            case "java":
            case "kafkajs":
                return Partitioners::murmur2Partition;
            case "consistent_random":
            case "crc32":
            case "librdkafka":
                return Partitioners::crc32Partition;
            default:
                return null;
        }
    }

    /** The Java producer's default for keyed records: {@code toPositive(murmur2(key)) % partitions}. */
    static int murmur2Partition(String contactId, int partitionCount) {
        return (murmur2(contactId.getBytes(StandardCharsets.UTF_8)) & 0x7fffffff) % partitionCount;
    }

    /** librdkafka's {@code consistent_random}: {@code crc32(key) % partitions}, CRC taken as unsigned. */
    static int crc32Partition(String contactId, int partitionCount) {
        CRC32 crc = new CRC32();
        crc.update(contactId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitionCount);
    }

    static int murmur2(byte[] data) {
        int length = data.length;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = 0x9747b28c ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            int i4 = i * 4;
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
