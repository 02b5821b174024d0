package io.notifyrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.notifyrelay.core.Cursor;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class TopicMetadataTest {

    @Test
    void epochIsThePrefixOfTheTopicId() {
        assertEquals("AbCdEfGh", new TopicMetadata("t", "AbCdEfGhIjKlMnOpQrStUv", 12).epoch());
        assertEquals("short", new TopicMetadata("t", "short", 12).epoch());
        assertEquals("12345678", new TopicMetadata("t", "12345678", 12).epoch());
    }

    @Test
    void epochOfARealTopicIdMakesAValidCursor() {
        for (int i = 0; i < 100; i++) {
            String epoch = new TopicMetadata("t", Uuid.randomUuid().toString(), 3).epoch();
            Cursor cursor = new Cursor(epoch, 1, 2);
            assertEquals(Optional.of(cursor), Cursor.decode(cursor.encode()));
        }
    }

    @Test
    void recreatedTopicHasAnotherEpoch() {
        assertNotEquals(new TopicMetadata("t", Uuid.randomUuid().toString(), 3).epoch(),
                new TopicMetadata("t", Uuid.randomUuid().toString(), 3).epoch());
    }
}
