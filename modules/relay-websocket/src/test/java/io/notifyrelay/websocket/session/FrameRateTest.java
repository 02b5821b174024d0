package io.notifyrelay.websocket.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FrameRateTest {

    private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    private final FrameRate rate = new FrameRate();

    @Test
    void theLimitPassesAndTheNextFrameOfTheSameSecondDoesNot() {
        for (int i = 0; i < 3; i++) {
            assertTrue(rate.admit(3, now.get()), "frame " + (i + 1));
        }
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
        assertFalse(rate.admit(3, now.get()), "a fourth frame in the same second");
    }

    @Test
    void aNewSecondStartsAFreshCount() {
        for (int i = 0; i < 3; i++) {
            assertTrue(rate.admit(3, now.get()));
        }
        assertFalse(rate.admit(3, now.get()));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        for (int i = 0; i < 3; i++) {
            assertTrue(rate.admit(3, now.get()), "frame " + (i + 1) + " of the next second");
        }
        assertFalse(rate.admit(3, now.get()));
    }

    @Test
    void aNegativeTickerValueIsCountedLikeAnyOther() {
        // System.nanoTime may be negative; seconds are floored so -0.5 s and +0.5 s are different windows
        now.set(-TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(rate.admit(1, now.get()));
        assertFalse(rate.admit(1, now.get()));
        now.set(TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(rate.admit(1, now.get()));
    }
}
