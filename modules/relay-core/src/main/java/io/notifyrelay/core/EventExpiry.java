package io.notifyrelay.core;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads the CloudEvents Expiry Time extension ({@code expirytime}, RFC 3339). A value that is present but
 * unreadable is {@link #INVALID}: the decoder dead-letters such a record rather than guess, because delivering
 * it could show a notification its producer meant to have expired, and dropping it would lose it silently.
 */
public final class EventExpiry {

    /** What {@link #parse} returns for a value that is not an RFC 3339 time with an offset. */
    public static final long INVALID = Long.MIN_VALUE;

    /** Longest value worth parsing: an RFC 3339 time with nanoseconds and an offset is 35 characters. */
    private static final int MAX_LENGTH = 64;

    private EventExpiry() {
    }

    /** The time in epoch milliseconds, or {@link #INVALID}. */
    public static long parse(String rfc3339) {
        if (rfc3339 == null || rfc3339.isBlank() || rfc3339.length() > MAX_LENGTH) {
            return INVALID;
        }
        try {
            // RFC 3339 allows a lower-case t and z; ISO_OFFSET_DATE_TIME does not
            String value = rfc3339.trim().replace('t', 'T').replace('z', 'Z');
            long millis = OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            return millis == INVALID || millis == RelayEvent.NO_EXPIRY ? INVALID : millis;
        } catch (DateTimeParseException | ArithmeticException e) {
            return INVALID;
        }
    }
}
