package io.notifyrelay.core.receipt;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * {@code Instant.ofEpochMilli(ms).toString()} as ASCII bytes, the date and time of day formatted once per second
 * (ISO_INSTANT costs about a microsecond, and receipts come thousands a second): only the milliseconds are
 * written per call. Not thread-safe: one per thread.
 */
public final class InstantText {

    private long second = Long.MIN_VALUE;
    /** "yyyy-MM-ddTHH:mm:ss" of {@link #second}, without the zone. */
    private byte[] prefix;

    public byte[] format(long epochMs) {
        long s = Math.floorDiv(epochMs, 1000);
        if (s != second || prefix == null) {
            String text = Instant.ofEpochSecond(s).toString(); // ends with "Z", no fraction
            prefix = text.substring(0, text.length() - 1).getBytes(StandardCharsets.US_ASCII);
            second = s;
        }
        int ms = (int) Math.floorMod(epochMs, 1000);
        int p = prefix.length;
        if (ms == 0) {
            byte[] out = Arrays.copyOf(prefix, p + 1); // as ISO_INSTANT: no fraction when it is zero
            out[p] = 'Z';
            return out;
        }
        byte[] out = Arrays.copyOf(prefix, p + 5);
        out[p] = '.';
        out[p + 1] = (byte) ('0' + ms / 100);
        out[p + 2] = (byte) ('0' + ms / 10 % 10);
        out[p + 3] = (byte) ('0' + ms % 10);
        out[p + 4] = 'Z';
        return out;
    }
}
