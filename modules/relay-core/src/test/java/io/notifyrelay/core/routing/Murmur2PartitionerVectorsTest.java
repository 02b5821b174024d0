package io.notifyrelay.core.routing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Known murmur2 values, computed with kafka-clients' {@code Utils.murmur2} (the relay-kafka module checks the
 * partitioner against the client itself on thousands of keys; this keeps the core honest on its own).
 */
class Murmur2PartitionerVectorsTest {

    private final Murmur2Partitioner partitioner = new Murmur2Partitioner();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|275646681|9",
        "a|-1563381124|4",
        "ab|316155434|2",
        "abc|479470107|3",
        "abcd|-1323649548|8",
        "abcde|461995741|1",
        "21|-973932308|0",
        "foobar|-790332482|6",
        "contact-1|188919026|2",
        "contact-42|-383207715|5",
        "a-little-bit-long-string|-985981536|8",
        "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8|-58897971|5",
        "ünïcödé-😀|-1977071662|10",
    })
    void matchesKafkasMurmur2(String key, int hash, int partitionOf12) {
        assertEquals(hash, Murmur2Partitioner.murmur2(key.getBytes(UTF_8)));
        assertEquals(partitionOf12, partitioner.partitionOf(key, 12));
        assertEquals(partitionOf12, partitioner.partitionOf(key.getBytes(UTF_8), 12));
    }

    @Test
    void bytesAboveSevenBitsAreUnsigned() {
        byte[] key = {(byte) 0xff, (byte) 0x80, (byte) 0x7f, 0x00, (byte) 0xfe, 0x01, (byte) 0x81};
        assertEquals(847511611, Murmur2Partitioner.murmur2(key));
    }

    @Test
    void partitionIsAlwaysInRange() {
        Random random = new Random(11L);
        for (int i = 0; i < 5000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(500);
            int partition = partitioner.partitionOf(key, partitions);
            assertTrue(partition >= 0 && partition < partitions, partition + " of " + partitions);
        }
    }

    @Test
    void name() {
        assertEquals("murmur2", partitioner.name());
        assertEquals(Murmur2Partitioner.NAME, partitioner.name());
    }
}
