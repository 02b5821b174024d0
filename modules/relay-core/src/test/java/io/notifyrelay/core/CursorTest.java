package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTest {

    private static String b64(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(US_ASCII));
    }

    @Test
    void roundTrips() {
        Cursor cursor = new Cursor("AbCd-_12", 11, 987_654_321_012L);
        assertEquals(Optional.of(cursor), Cursor.decode(cursor.encode()));
    }

    @Test
    void roundTripsAtTheEdges() {
        for (Cursor cursor : new Cursor[] {new Cursor("e", 0, 0), new Cursor("e", Integer.MAX_VALUE, Long.MAX_VALUE)}) {
            assertEquals(Optional.of(cursor), Cursor.decode(cursor.encode()));
        }
    }

    @Test
    void randomCursorsRoundTrip() {
        Random random = new Random(3L);
        for (int i = 0; i < 1000; i++) {
            Cursor cursor = new Cursor(Long.toString(random.nextLong() & Long.MAX_VALUE, 36),
                    random.nextInt(Integer.MAX_VALUE), random.nextLong() & Long.MAX_VALUE);
            assertEquals(Optional.of(cursor), Cursor.decode(cursor.encode()));
        }
    }

    @Test
    void encodingIsUrlSafeAndUnpadded() {
        String encoded = new Cursor("x?y>z", 5, 1234).encode();
        assertTrue(encoded.matches("[A-Za-z0-9_-]+"), encoded);
    }

    @Test
    void differentPositionsEncodeDifferently() {
        assertNotEquals(new Cursor("e", 1, 2).encode(), new Cursor("e", 1, 3).encode());
        assertNotEquals(new Cursor("e", 1, 2).encode(), new Cursor("f", 1, 2).encode());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"not a cursor", "!!!", "====", "YWJj", "a+b/c"})
    void garbageDecodesToEmpty(String encoded) {
        assertEquals(Optional.empty(), Cursor.decode(encoded));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "c2:e:1:2",        // unknown version
        "c1:e:1",          // too few parts
        "c1:e:1:2:3",      // too many parts
        "c1::1:2",         // empty epoch
        "c1:e:x:2",        // partition not a number
        "c1:e:1:y",        // offset not a number
        "c1:e:-1:2",       // negative partition
        "c1:e:1:-2",       // negative offset
        "c1:e:99999999999:2", // partition overflows int
        "c1:e:1:99999999999999999999", // offset overflows long
        "",
    })
    void wellFormedBase64ButNotACursorDecodesToEmpty(String plain) {
        assertEquals(Optional.empty(), Cursor.decode(b64(plain)));
    }

    @Test
    void overlongInputDecodesToEmpty() {
        assertEquals(Optional.empty(), Cursor.decode("A".repeat(201)));
        assertEquals(Optional.empty(), Cursor.decode(b64("c1:" + "e".repeat(200) + ":1:2")));
    }

    @Test
    void constructorRejectsInvalidParts() {
        assertThrows(IllegalArgumentException.class, () -> new Cursor(null, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cursor("", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cursor("a:b", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cursor("e", -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Cursor("e", 0, -1));
    }
}
