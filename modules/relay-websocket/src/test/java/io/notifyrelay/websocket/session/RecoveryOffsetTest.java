package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecoveryOffsetTest {

    @Test
    void roundTripsAVectorAndSkipsUnknownPartitions() {
        long[] next = {0, -1, 1_234_567, 42, -1, Long.MAX_VALUE - 1};
        String encoded = RecoveryOffset.encode("a1b2c3d4", next);
        RecoveryOffset decoded = RecoveryOffset.decode(encoded).orElseThrow();
        assertEquals("a1b2c3d4", decoded.epoch());
        assertEquals(Map.of(0, 0L, 2, 1_234_567L, 3, 42L, 5, Long.MAX_VALUE - 1), decoded.asMap());
        assertEquals(encoded, decoded.encode());
        assertTrue(encoded.matches("[A-Za-z0-9_-]+"), "base64url, no padding: " + encoded);
    }

    @Test
    void twelvePartitionsAtAMillionStayShort() {
        long[] next = new long[12];
        java.util.Arrays.fill(next, 1_000_000L);
        String encoded = RecoveryOffset.encode("a1b2c3d4", next);
        assertTrue(encoded.length() <= 80, encoded.length() + " characters");
    }

    @Test
    void refusesWhatIsNotOneOfOurs() {
        String good = RecoveryOffset.encode("a1b2c3d4", new long[] {5, 6});
        byte[] raw = Base64.getUrlDecoder().decode(good);
        for (String bad : new String[] {null, "", "!!!!", "x".repeat(RecoveryOffset.MAX_CHARS + 1),
                good + "AA", good.substring(0, good.length() - 1), b64(new byte[] {2, 1, 'e', 0}),
                b64(new byte[] {1, 0, 0}), b64(new byte[] {1, 1, ' ', 0}), b64(new byte[] {1, 1, 'e', 1, 0}),
                // a varint longer than nine bytes
                b64(new byte[] {1, 1, 'e', 1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1}),
                // a partition past the bound
                b64(new byte[] {1, 1, 'e', 1, (byte) 0x80, 0x10, 0}),
                // more partitions than the bound
                b64(new byte[] {1, 1, 'e', (byte) 0xFF, 0x7F})}) {
            assertTrue(RecoveryOffset.decode(bad).isEmpty(), "refused: " + bad);
        }
        raw[raw.length - 1] = (byte) 0x80; // the last offset's varint never ends
        assertTrue(RecoveryOffset.decode(b64(raw)).isEmpty());
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            if (random.nextBoolean() && bytes.length > 2) {
                bytes[0] = 1;
                bytes[1] = 1;
            }
            RecoveryOffset.decode(b64(bytes)); // empty or a valid offset, never an exception
        }
    }

    @Test
    void theNodeVectorIsEncodedOncePerEventAndForgetsRevokedPartitions() {
        DeliveryPositions positions = new DeliveryPositions("a1b2c3d4");
        positions.advance(0, 10);
        positions.advance(2, 7);
        RelayEvent event = event(2, 6);
        String shared = positions.sharedOffset(event);
        assertTrue(shared == positions.sharedOffset(event), "built once per event");
        assertEquals(new TreeMap<>(Map.of(0, 10L, 2, 7L)), RecoveryOffset.decode(shared).orElseThrow().next());
        long generation = positions.generation();
        positions.advance(2, 8);
        assertEquals(generation, positions.generation(), "forward: same generation");
        positions.forget(0);
        assertTrue(positions.generation() > generation, "a position gone back is a new generation");
        assertEquals(Map.of(2, 8L), RecoveryOffset.decode(positions.sharedOffset(event(2, 7))).orElseThrow().asMap());
    }

    private static RelayEvent event(int partition, long offset) {
        return new RelayEvent("id-" + offset, "lob", "contact", PayloadType.CONNECTION_RESPONSE,
                new Cursor("a1b2c3d4", partition, offset), 0, "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
