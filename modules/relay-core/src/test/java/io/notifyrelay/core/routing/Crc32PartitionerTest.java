package io.notifyrelay.core.routing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * librdkafka's {@code consistent_random} for keyed records is {@code rd_crc32(key) % partition_cnt} with the
 * CRC as an unsigned 32-bit value. Checked against published CRC-32 (zlib/IEEE) check values.
 */
class Crc32PartitionerTest {

    private final Crc32Partitioner partitioner = new Crc32Partitioner();

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "123456789|CBF43926",
        "a|E8B7BE43",
        "abc|352441C2",
        "message digest|20159D7F",
        "The quick brown fox jumps over the lazy dog|414FA339",
    })
    void usesTheUnsignedZlibCrc32(String key, String crcHex) {
        long crc = Long.parseLong(crcHex, 16);
        for (int partitions : new int[] {1, 2, 3, 7, 12, 17, 64, 1000, Integer.MAX_VALUE}) {
            assertEquals((int) (crc % partitions), partitioner.partitionOf(key, partitions), key + " over " + partitions);
        }
    }

    @Test
    void crcWithTheTopBitSetIsNotTreatedAsNegative() {
        // 0xCBF43926 as a signed int is negative; the partition must still be in range and unsigned-based
        // (abs(signed) % n and (crc & 0x7fffffff) % n give other answers for these n)
        assertEquals(5, partitioner.partitionOf("123456789", 7));
        assertEquals(15, partitioner.partitionOf("123456789", 17));
        assertEquals(62, partitioner.partitionOf("123456789", 100));
    }

    @Test
    void partitionIsAlwaysInRange() {
        Random random = new Random(5L);
        for (int i = 0; i < 5000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(1000);
            int partition = partitioner.partitionOf(key, partitions);
            assertTrue(partition >= 0 && partition < partitions, partition + " of " + partitions);
        }
    }

    @Test
    void contactIdsAreHashedAsUtf8() {
        assertEquals(partitioner.partitionOf("Zoë-😀".getBytes(UTF_8), 12), partitioner.partitionOf("Zoë-😀", 12));
    }

    @Test
    void name() {
        assertEquals("consistent_random", partitioner.name());
    }
}
