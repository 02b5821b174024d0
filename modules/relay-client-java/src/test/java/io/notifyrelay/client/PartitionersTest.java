package io.notifyrelay.client;

import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.ContactPartitioners;
import java.util.UUID;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The client's partitioners must place every contact exactly where the relay's (and the producers') do. */
class PartitionersTest {

    @Test
    void agreeWithTheRelayForEveryNameTheRoutesUse() {
        for (String name : new String[] {"murmur2", "consistent_random", "java", "crc32", "librdkafka", "kafkajs"}) {
            ContactPartitioner server = ContactPartitioners.byName(name);
            Partitioners.Partitioner client = Partitioners.byName(name);
            assertNotNull(client, name);
            for (int i = 0; i < 2000; i++) {
                String contact = i % 3 == 0 ? "contact-" + i : i % 3 == 1 ? UUID.randomUUID().toString()
                        : "ünïcödé-" + i + "-" + "x".repeat(i % 7);
                for (int partitions : new int[] {1, 3, 12, 64}) {
                    assertEquals(server.partitionOf(contact, partitions), client.partitionOf(contact, partitions),
                            name + " " + contact + " " + partitions);
                }
            }
        }
    }

    @Test
    void unknownNamesGiveNoPartitioner() {
        assertNull(Partitioners.byName("round_robin"));
        assertNull(Partitioners.byName(null));
    }
}
