package io.notifyrelay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContactPartitionersTest {

    @ParameterizedTest
    @ValueSource(strings = {"murmur2", "MURMUR2", "java", "kafkajs"})
    void murmur2Names(String name) {
        assertInstanceOf(Murmur2Partitioner.class, ContactPartitioners.byName(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"consistent_random", "crc32", "librdkafka", "LibRdKafka"})
    void crc32Names(String name) {
        assertInstanceOf(Crc32Partitioner.class, ContactPartitioners.byName(name));
    }

    @Test
    void unknownNameSaysWhatIsAccepted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContactPartitioners.byName("fnv1a"));
        assertTrue(e.getMessage().contains("murmur2") && e.getMessage().contains("consistent_random"), e.getMessage());
    }

    @Test
    void everyListedNameResolvesToItself() {
        assertEquals(List.of("murmur2", "consistent_random"), ContactPartitioners.names());
        for (String name : ContactPartitioners.names()) {
            assertEquals(name, ContactPartitioners.byName(name).name());
        }
    }
}
