package io.notifyrelay.bench;

import java.nio.charset.StandardCharsets;

/**
 * The bench's notification: a valid CONNECTION_RESPONSE of a fixed size whose last member is the produce time,
 * {@code "bt":"<19 digits of System.nanoTime()>"}. The relay forwards the notification bytes unchanged as the
 * last member of the {@code event} frame, so a client finds the time in the last 22 bytes of the frame without
 * parsing it. (The schema allows unknown members; producer and clients share one JVM, so one nanoTime clock.)
 */
final class Notifications {

    /** {@code ..."bt":"} + 19 digits + {@code "}} ends every bench notification. */
    static final String TIMESTAMP_TAIL = ",\"bt\":\"";
    static final int DIGITS = 19;

    private final byte[] template;
    private final int contactAt;
    private final int contactLength;
    private final int timestampAt;

    /**
     * @param size          total bytes of each notification (at least ~200)
     * @param contactLength length of every contactId (all bench contact ids have the same length)
     */
    Notifications(int size, int contactLength) {
        String contact = "x".repeat(contactLength);
        String head = "{\"payloadType\":\"CONNECTION_RESPONSE\",\"payload\":{\"contactId\":\"" + contact
                + "\",\"state\":\"accepted-invitation\",\"message\":\"";
        String tail = "\"}" + TIMESTAMP_TAIL + "0".repeat(DIGITS) + "\"}";
        int pad = size - head.length() - tail.length();
        if (pad < 0) {
            throw new IllegalArgumentException("notification size " + size + " too small");
        }
        StringBuilder message = new StringBuilder(pad);
        String words = "You are now connected to Alice. ";
        while (message.length() < pad) {
            message.append(words, 0, Math.min(words.length(), pad - message.length()));
        }
        String json = head + message + tail;
        this.template = json.getBytes(StandardCharsets.US_ASCII);
        this.contactAt = json.indexOf(contact);
        this.contactLength = contactLength;
        this.timestampAt = template.length - 2 - DIGITS;
    }

    int size() {
        return template.length;
    }

    /** A fresh notification for {@code contactId} stamped with {@code nanos}. */
    byte[] build(byte[] contactId, long nanos) {
        byte[] out = template.clone();
        System.arraycopy(contactId, 0, out, contactAt, Math.min(contactLength, contactId.length));
        long v = nanos;
        for (int i = timestampAt + DIGITS - 1; i >= timestampAt; i--) {
            out[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        return out;
    }

    /**
     * The produce time at the end of an {@code event} frame in {@code a[from, to)}: the frame ends with the
     * notification and {@code }}, the notification with the 19 digits and {@code "}}. Long.MIN_VALUE if absent.
     */
    static long readTimestamp(byte[] a, int from, int to) {
        int end = to - 3; // '"', '}', '}'
        int start = end - DIGITS;
        if (start < from || a[end] != '"' || a[start - 1] != '"') {
            return Long.MIN_VALUE;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            int d = a[i] - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
