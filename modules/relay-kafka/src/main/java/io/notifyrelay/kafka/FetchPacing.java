package io.notifyrelay.kafka;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Lets records gather between two polls while the topic is busy, so an idle topic costs no fetch loop.
 *
 * <p>The broker can batch a fetch for us ({@code fetch.min.bytes} with a short {@code fetch.max.wait.ms}), but then a
 * quiet topic is asked every few milliseconds: 500 empty fetches a second per consumer were most of an idle node's
 * CPU (docs/performance.md). So the consumer runs with Kafka's defaults (the broker answers at the first byte and
 * holds an empty fetch for up to 500 ms) and the loop does the batching: after a poll that returned records it waits
 * until {@code window} has passed since that poll before polling again, so the records of that window come in one
 * fetch. An idle topic costs two fetches a second; the first event after a quiet spell is read at once; a busy topic
 * is read at most once per window, each record waiting at most about two windows.
 */
final class FetchPacing {

    /** What the relay's loops use: a record waits at most ~2 ms for its fetch, as with the old broker-side wait. */
    static final Duration DEFAULT_WINDOW = Duration.ofMillis(1);

    /** How the loop waits; {@link LockSupport#parkNanos} in production, a clock advance in tests. */
    @FunctionalInterface
    interface Waiter {
        void waitNanos(long nanos);
    }

    private final long windowNanos;
    private final LongSupplier nanoTime;
    private final Waiter waiter;
    private long lastRecordsAt;
    private boolean busy;

    FetchPacing(Duration window) {
        this(window, System::nanoTime, LockSupport::parkNanos);
    }

    FetchPacing(Duration window, LongSupplier nanoTime, Waiter waiter) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must not be negative: " + window);
        }
        this.windowNanos = window.toNanos();
        this.nanoTime = nanoTime;
        this.waiter = waiter;
    }

    /** After each poll, with how many records it returned. */
    void polled(int records) {
        busy = records > 0;
        if (busy) {
            lastRecordsAt = nanoTime.getAsLong();
        }
    }

    /**
     * Before each poll: waits out the rest of the window when the last poll returned records. A wake-up (an
     * unpark of the loop thread, for a loop task or close) may end the wait early, which only costs a smaller batch.
     */
    void beforePoll() {
        if (!busy || windowNanos == 0) {
            return;
        }
        long left = lastRecordsAt + windowNanos - nanoTime.getAsLong();
        if (left > 0) {
            waiter.waitNanos(left);
        }
    }
}
