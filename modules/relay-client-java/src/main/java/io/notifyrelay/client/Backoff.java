package io.notifyrelay.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: before retry number {@code n} (0 for the first) wait a uniformly
 * random time in {@code [0, min(max, initial * 2^n)]}. Full jitter spreads the reconnects of many clients
 * that lost the same node at the same moment, so they do not all arrive at once.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final DoubleSupplier random;

    public Backoff(Duration initial, Duration max) {
        this(initial, max, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @param random values in {@code [0, 1)}; tests pass a fixed one */
    public Backoff(Duration initial, Duration max, DoubleSupplier random) {
        this.initial = Objects.requireNonNull(initial, "initial");
        this.max = Objects.requireNonNull(max, "max");
        this.random = Objects.requireNonNull(random, "random");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max backoff must be at least the initial backoff");
        }
    }

    public Duration initial() {
        return initial;
    }

    public Duration max() {
        return max;
    }

    /** The upper bound of the wait before retry {@code attempt}: {@code min(max, initial * 2^attempt)}. */
    public Duration ceiling(int attempt) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0");
        }
        long initialNanos = initial.toNanos();
        long maxNanos = max.toNanos();
        // 2^attempt overflows long nanos long before any sane max; stop doubling once past max
        long ceiling = initialNanos;
        for (int i = 0; i < attempt && ceiling < maxNanos; i++) {
            ceiling = ceiling > maxNanos / 2 ? maxNanos : ceiling * 2;
        }
        return Duration.ofNanos(Math.min(ceiling, maxNanos));
    }

    /** A random wait in {@code [0, ceiling(attempt)]}. */
    public Duration delay(int attempt) {
        double r = random.getAsDouble();
        if (r < 0 || r >= 1) {
            throw new IllegalStateException("random value out of [0, 1): " + r);
        }
        return Duration.ofNanos((long) (ceiling(attempt).toNanos() * r));
    }

    @Override
    public String toString() {
        return "Backoff[initial=" + initial.toMillis() + "ms, max=" + max.toMillis() + "ms, full jitter]";
    }
}
