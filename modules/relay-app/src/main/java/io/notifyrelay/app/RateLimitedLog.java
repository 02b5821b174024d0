package io.notifyrelay.app;

import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Logs at most {@code perSecond} warnings a second and then says how many it left out, so a burst of
 * bad records is visible without drowning the log. Called from one thread (the consumer loop).
 */
final class RateLimitedLog {

    private final Logger log;
    private final int perSecond;
    private long second;
    private int logged;
    private long suppressed;

    RateLimitedLog(Logger log, int perSecond) {
        this.log = log;
        this.perSecond = perSecond;
    }

    void warn(Supplier<String> message) {
        long now = System.currentTimeMillis() / 1000;
        if (now != second) {
            if (suppressed > 0) {
                log.warn("... and {} more like these in the last second (see relay_records_rejected_total)", suppressed);
            }
            second = now;
            logged = 0;
            suppressed = 0;
        }
        if (logged < perSecond) {
            logged++;
            log.warn(message.get());
        } else {
            suppressed++;
        }
    }
}
