package io.notifyrelay.core.routing;

import java.util.List;
import java.util.Locale;

/** The partitioners a relay can be configured with, by name. */
public final class ContactPartitioners {

    private ContactPartitioners() {
    }

    public static List<String> names() {
        return List.of(Murmur2Partitioner.NAME, Crc32Partitioner.NAME);
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static ContactPartitioner byName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case Murmur2Partitioner.NAME:
            case "java":
            case "kafkajs":
                return new Murmur2Partitioner();
            case Crc32Partitioner.NAME:
            case "crc32":
            case "librdkafka":
                return new Crc32Partitioner();
            default:
                throw new IllegalArgumentException("unknown partitioner '" + name + "': use murmur2 (Java client, "
                        + "kafkajs) or consistent_random (librdkafka: kcat, confluent-kafka, node-rdkafka)");
        }
    }
}
