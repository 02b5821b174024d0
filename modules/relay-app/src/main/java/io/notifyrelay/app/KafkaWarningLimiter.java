package io.notifyrelay.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Keeps the Kafka client's own warnings out of the way: a broker that is down makes every client (consumer,
 * admin, dead-letter producer) warn about each reconnect, about once a second each. This lets one warning per
 * Kafka logger through per window and then says how many it left out, so the log still shows that something
 * is wrong (and since when) without dozens of lines. Errors always pass. Configured in logback.xml.
 */
public final class KafkaWarningLimiter extends TurboFilter {

    static final String SUMMARY_LOGGER = "io.notifyrelay.kafka-client";
    private static final long WINDOW_MS = 60_000;

    private final LongSupplier clockMs;
    private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

    public KafkaWarningLimiter() {
        this(System::currentTimeMillis);
    }

    KafkaWarningLimiter(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    private static final class Window {
        long startedMs;
        long suppressed;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        // format is null for isWarnEnabled() checks: count only real log calls the logger's level lets through
        if (level != Level.WARN || format == null || logger == null || !logger.getName().startsWith("org.apache.kafka")
                || !Level.WARN.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL;
        }
        long now = clockMs.getAsLong();
        long left;
        Window window = windows.computeIfAbsent(logger.getName(), name -> new Window());
        synchronized (window) {
            if (window.startedMs != 0 && now - window.startedMs < WINDOW_MS) {
                window.suppressed++;
                return FilterReply.DENY;
            }
            left = window.suppressed;
            window.startedMs = now;
            window.suppressed = 0;
        }
        if (left > 0) {
            LoggerFactory.getLogger(SUMMARY_LOGGER).warn("{} more warnings from {} in the last {} s were not logged",
                    left, logger.getName(), WINDOW_MS / 1000);
        }
        return FilterReply.NEUTRAL;
    }
}
