package io.notifyrelay.core.receipt;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The JSON value of a receipt, into one exact-size array: a receipt is made per delivered event, so no stream,
 * no generator, no growth and no copy. Plain-ASCII strings (the usual ids) are copied char by char, anything else
 * is quoted by Jackson's {@link JsonStringEncoder}: the bytes are those Jackson's generator writes, except that a
 * character beyond U+FFFF is its 4 UTF-8 bytes rather than two escapes of six characters (the same string to a reader).
 */
public final class ReceiptJson {

    private static final byte[] EVENT_ID = ascii("{\"eventId\":");
    private static final byte[] LOB_ID = ascii(",\"lobId\":");
    private static final byte[] CONTACT_ID = ascii(",\"contactId\":");
    private static final byte[] OUTCOME = ascii(",\"outcome\":");
    private static final byte[] SESSIONS = ascii(",\"sessions\":");
    private static final byte[] NODE = ascii(",\"node\":");
    private static final byte[] PARTITION = ascii(",\"partition\":");
    private static final byte[] OFFSET = ascii(",\"offset\":");
    private static final byte[] AT = ascii(",\"at\":");
    private static final byte[][] OUTCOMES = new byte[ReceiptOutcome.values().length][];

    static {
        for (ReceiptOutcome outcome : ReceiptOutcome.values()) {
            OUTCOMES[outcome.ordinal()] = ascii(outcome.wireName());
        }
    }

    private ReceiptJson() {
    }

    /**
     * @param at the receipt's {@code atMs} as RFC 3339 UTC ASCII ({@code Instant.toString()}), which the caller
     *           may format once for the many receipts of one millisecond
     */
    public static byte[] encode(Receipt receipt, byte[] at) {
        String eventId = receipt.eventId();
        String lobId = receipt.lobId();
        String contactId = receipt.contactId();
        String node = receipt.node();
        byte[] eventIdq = quoteUnlessPlain(eventId);
        byte[] lobIdq = quoteUnlessPlain(lobId);
        byte[] contactIdq = quoteUnlessPlain(contactId);
        byte[] nodeq = quoteUnlessPlain(node);
        byte[] outcome = OUTCOMES[receipt.outcome().ordinal()];
        int size = EVENT_ID.length + LOB_ID.length + CONTACT_ID.length + OUTCOME.length + SESSIONS.length
                + NODE.length + PARTITION.length + OFFSET.length + AT.length + 1 // closing brace
                + 2 * 6 // quotes of the six strings
                + length(eventId, eventIdq) + length(lobId, lobIdq) + length(contactId, contactIdq)
                + length(node, nodeq) + outcome.length + at.length
                + digits(receipt.sessions()) + digits(receipt.partition()) + digits(receipt.offset());
        byte[] out = new byte[size];
        int p = put(out, 0, EVENT_ID);
        p = quoted(out, p, eventId, eventIdq);
        p = put(out, p, LOB_ID);
        p = quoted(out, p, lobId, lobIdq);
        p = put(out, p, CONTACT_ID);
        p = quoted(out, p, contactId, contactIdq);
        p = put(out, p, OUTCOME);
        p = quoted(out, p, outcome);
        p = put(out, p, SESSIONS);
        p = number(out, p, receipt.sessions());
        p = put(out, p, NODE);
        p = quoted(out, p, node, nodeq);
        p = put(out, p, PARTITION);
        p = number(out, p, receipt.partition());
        p = put(out, p, OFFSET);
        p = number(out, p, receipt.offset());
        p = put(out, p, AT);
        p = quoted(out, p, at);
        out[p] = '}';
        return out;
    }

    /** Null when {@code s} is printable ASCII without a quote or backslash: then its chars are its bytes. */
    private static byte[] quoteUnlessPlain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return JsonStringEncoder.getInstance().quoteAsUTF8(s);
            }
        }
        return null;
    }

    private static int length(String plain, byte[] escaped) {
        return escaped == null ? plain.length() : escaped.length;
    }

    private static int quoted(byte[] out, int p, String plain, byte[] escaped) {
        if (escaped != null) {
            return quoted(out, p, escaped);
        }
        out[p++] = '"';
        for (int i = 0, n = plain.length(); i < n; i++) {
            out[p++] = (byte) plain.charAt(i); // printable ASCII, checked by quoteUnlessPlain
        }
        out[p++] = '"';
        return p;
    }

    private static int quoted(byte[] out, int p, byte[] escaped) {
        out[p++] = '"';
        p = put(out, p, escaped);
        out[p++] = '"';
        return p;
    }

    private static int put(byte[] out, int p, byte[] bytes) {
        System.arraycopy(bytes, 0, out, p, bytes.length);
        return p + bytes.length;
    }

    /** Decimal digits of {@code value}, with its minus sign. */
    static int digits(long value) {
        if (value < 0) {
            return value == Long.MIN_VALUE ? 20 : 1 + digits(-value);
        }
        int n = 1;
        for (long bound = 10; n < 19 && value >= bound; bound *= 10) {
            n++;
        }
        return n;
    }

    private static int number(byte[] out, int p, long value) {
        if (value == Long.MIN_VALUE) {
            return put(out, p, ascii(Long.toString(value)));
        }
        if (value < 0) {
            out[p++] = '-';
            value = -value;
        }
        int end = p + digits(value);
        for (int i = end - 1; i >= p; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return end;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
