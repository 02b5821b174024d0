package io.notifyrelay.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.notifyrelay.core.routing.Murmur2Partitioner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * The relay places contacts with its own copy of murmur2 (the core must not depend on kafka-clients). If it ever
 * disagreed with the producer's partitioner, sessions would be told the wrong partitions: pin it to the client.
 */
class Murmur2PartitionerTest {

    private static final int[] PARTITION_COUNTS = {1, 2, 3, 6, 7, 12, 16, 50, 64, 100, 997, 1 << 20, Integer.MAX_VALUE};

    private final Murmur2Partitioner partitioner = new Murmur2Partitioner();

    private static List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        for (int length = 0; length <= 7; length++) {
            byte[] zeros = new byte[length];
            byte[] ones = new byte[length];
            Arrays.fill(ones, (byte) 0xFF);
            byte[] ascending = new byte[length];
            byte[] high = new byte[length];
            for (int i = 0; i < length; i++) {
                ascending[i] = (byte) i;
                high[i] = (byte) (0x80 + i);
            }
            keys.addAll(List.of(zeros, ones, ascending, high));
        }
        Random random = new Random(0xCAFEL);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[random.nextInt(65)];
            random.nextBytes(key);
            keys.add(key);
        }
        return keys;
    }

    @Test
    void agreesWithKafkaUtilsMurmur2() {
        for (byte[] key : keys()) {
            int kafkaHash = Utils.toPositive(Utils.murmur2(key));
            for (int n : PARTITION_COUNTS) {
                assertEquals(kafkaHash % n, partitioner.partitionOf(key, n),
                        () -> HexFormat.of().formatHex(key) + " over " + n);
            }
        }
    }

    @Test
    void agreesWithTheProducersBuiltInPartitioner() {
        for (byte[] key : keys()) {
            for (int n : PARTITION_COUNTS) {
                assertEquals(BuiltInPartitioner.partitionForKey(key, n), partitioner.partitionOf(key, n),
                        () -> HexFormat.of().formatHex(key) + " over " + n);
            }
        }
    }

    @Test
    void contactIdsArePartitionedByTheirUtf8Bytes() {
        Random random = new Random(42L);
        List<String> contacts = new ArrayList<>(List.of("", "contact-1", "Zoë", "контакт", "連絡先", "😀-emoji",
                "a b\tc", "550e8400-e29b-41d4-a716-446655440000"));
        for (int i = 0; i < 2000; i++) {
            StringBuilder s = new StringBuilder();
            int length = random.nextInt(30);
            for (int k = 0; k < length; k++) {
                int cp;
                do {
                    cp = random.nextInt(4) == 0 ? random.nextInt(0x10FFFF) : 0x20 + random.nextInt(0x5F);
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                s.appendCodePoint(cp);
            }
            contacts.add(s.toString());
        }
        for (String contact : contacts) {
            byte[] bytes = contact.getBytes(UTF_8);
            for (int n : PARTITION_COUNTS) {
                assertEquals(BuiltInPartitioner.partitionForKey(bytes, n), partitioner.partitionOf(contact, n), contact);
            }
        }
    }
}
