package io.notifyrelay.client;

import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(10);

    @Test
    void theCeilingDoublesFromTheInitialDelayUpToTheMax() {
        Backoff backoff = new Backoff(INITIAL, MAX);
        assertEquals(Duration.ofMillis(100), backoff.ceiling(0));
        assertEquals(Duration.ofMillis(200), backoff.ceiling(1));
        assertEquals(Duration.ofMillis(400), backoff.ceiling(2));
        assertEquals(Duration.ofMillis(6400), backoff.ceiling(6));
        assertEquals(MAX, backoff.ceiling(7));
        assertEquals(MAX, backoff.ceiling(1000), "no overflow however many attempts");
    }

    @Test
    void fullJitterSpreadsTheDelayOverZeroToTheCeiling() {
        assertEquals(Duration.ZERO, new Backoff(INITIAL, MAX, () -> 0.0).delay(5));
        assertEquals(Duration.ofMillis(1600), new Backoff(INITIAL, MAX, () -> 0.5).delay(5));
        Duration almostCeiling = new Backoff(INITIAL, MAX, () -> 0.999_999).delay(3);
        assertTrue(almostCeiling.compareTo(Duration.ofMillis(800)) < 0 && almostCeiling.toMillis() >= 799);
    }

    @Test
    void realDelaysStayWithinTheCeilingAndDiffer() {
        Backoff backoff = new Backoff(INITIAL, MAX);
        long distinct = java.util.stream.IntStream.range(0, 200).mapToObj(i -> backoff.delay(4))
                .peek(d -> assertTrue(!d.isNegative() && d.compareTo(Duration.ofMillis(1600)) <= 0, d::toString))
                .distinct().count();
        assertTrue(distinct > 100, "jittered, not fixed: " + distinct + " distinct delays of 200");
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, MAX));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(MAX, INITIAL));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(INITIAL, MAX).ceiling(-1));
        assertThrows(IllegalStateException.class, () -> new Backoff(INITIAL, MAX, () -> 1.0).delay(0));
    }
}
