package io.notifyrelay.core.log;

import java.util.Arrays;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A log line that clients or producers can trigger, written at most {@code perSecond} times a second. The first
 * line written after some were left out says how many, so a flood is visible without drowning the log or the
 * disk. Thread-safe; keep one per kind of line (a {@code static final} next to its logger).
 */
public final class RateLimitedLog {

    private final Logger log;
    private final int perSecond;
    private final LongSupplier clockMillis;
    private long second = Long.MIN_VALUE;
    private int written;
    private long suppressed;

    public RateLimitedLog(Logger log, int perSecond) {
        this(log, perSecond, System::currentTimeMillis);
    }

    /** @param clockMillis wall-clock milliseconds; a seam for tests */
    public RateLimitedLog(Logger log, int perSecond, LongSupplier clockMillis) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("perSecond must be at least 1");
        }
        this.log = log;
        this.perSecond = perSecond;
        this.clockMillis = clockMillis;
    }

    public void error(String format, Object... arguments) {
        long left = admit();
        if (left >= 0) {
            log.error(withSuppressed(format, left), withCount(arguments, left));
        }
    }

    public void warn(String format, Object... arguments) {
        long left = admit();
        if (left >= 0) {
            log.warn(withSuppressed(format, left), withCount(arguments, left));
        }
    }

    public void info(String format, Object... arguments) {
        long left = admit();
        if (left >= 0) {
            log.info(withSuppressed(format, left), withCount(arguments, left));
        }
    }

    /** Lines left out so far and not yet reported. */
    public synchronized long suppressed() {
        return suppressed;
    }

    /** -1: leave this line out; else how many were left out before it (0 for none). */
    private synchronized long admit() {
        long now = Math.floorDiv(clockMillis.getAsLong(), 1000);
        if (now != second) {
            second = now;
            written = 0;
        }
        if (written >= perSecond) {
            suppressed++;
            return -1;
        }
        written++;
        long left = suppressed;
        suppressed = 0;
        return left;
    }

    private static String withSuppressed(String format, long left) {
        return left == 0 ? format : format + " ({} similar lines left out before this one)";
    }

    private static Object[] withCount(Object[] arguments, long left) {
        if (left == 0) {
            return arguments;
        }
        // a trailing Throwable stays last, so the logger still prints it as the exception
        int at = arguments.length > 0 && arguments[arguments.length - 1] instanceof Throwable
                ? arguments.length - 1 : arguments.length;
        Object[] result = Arrays.copyOf(arguments, arguments.length + 1);
        System.arraycopy(arguments, at, result, at + 1, arguments.length - at);
        result[at] = left;
        return result;
    }
}
