package io.notifyrelay.kafka;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.WakeupException;

/** Blocking consumer calls made on the loop thread, which {@link RelayConsumer#runOnLoop} may wake. */
final class KafkaCalls {

    private final BooleanSupplier stopping;

    KafkaCalls(BooleanSupplier stopping) {
        this.stopping = stopping;
    }

    /**
     * Runs {@code call} again if a {@link RelayConsumer#runOnLoop} wakeup interrupted it: the task that woke the
     * consumer runs next anyway, so the wakeup is spent. A stopping loop's wakeup is passed on.
     */
    <T> T despiteWakeups(Supplier<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.get();
            } catch (WakeupException e) {
                if (attempt >= 3 || stopping.getAsBoolean()) {
                    throw e;
                }
            }
        }
    }
}
