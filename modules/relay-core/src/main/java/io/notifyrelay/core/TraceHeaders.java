package io.notifyrelay.core;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The W3C trace context a producer sent with a record: the CloudEvents distributed-tracing extension in
 * binary mode ({@code ce_traceparent}, {@code ce_tracestate}), or the plain {@code traceparent} /
 * {@code tracestate} headers OpenTelemetry's Kafka instrumentation writes. A malformed value is ignored,
 * never a reason to reject the record: tracing must not lose a notification.
 */
public final class TraceHeaders {

    public static final String CE_TRACEPARENT = "ce_traceparent";
    public static final String CE_TRACESTATE = "ce_tracestate";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    /** Version 00 of the W3C format: {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}. */
    private static final int TRACEPARENT_LENGTH = 55;
    private static final int MAX_TRACESTATE_LENGTH = 512;

    private TraceHeaders() {
    }

    /** The valid traceparent among the headers (ce_ first), or null. */
    public static String traceparent(Map<String, byte[]> headers) {
        byte[] value = headers.get(CE_TRACEPARENT);
        if (value == null) {
            value = headers.get(TRACEPARENT);
        }
        return value != null && isValidTraceparent(value) ? new String(value, StandardCharsets.US_ASCII) : null;
    }

    /** The tracestate that goes with the traceparent, when it is plain printable ASCII of a sane length; or null. */
    public static String tracestate(Map<String, byte[]> headers) {
        byte[] value = headers.containsKey(CE_TRACEPARENT) ? headers.get(CE_TRACESTATE) : headers.get(TRACESTATE);
        if (value == null || value.length == 0 || value.length > MAX_TRACESTATE_LENGTH) {
            return null;
        }
        for (byte b : value) {
            if (b < 0x20 || b > 0x7E) {
                return null;
            }
        }
        return new String(value, StandardCharsets.US_ASCII);
    }

    /** Whether {@code value} is a W3C traceparent (version 00 format, non-zero ids) the relay passes on. */
    public static boolean isValid(String value) {
        return value != null && isValidTraceparent(value.getBytes(StandardCharsets.US_ASCII));
    }

    /** The 32 hex digits of the trace id of a valid traceparent. */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    static boolean isValidTraceparent(byte[] v) {
        if (v.length != TRACEPARENT_LENGTH || v[2] != '-' || v[35] != '-' || v[52] != '-') {
            return false;
        }
        if (v[0] == 'f' && v[1] == 'f') {
            return false; // version ff is forbidden
        }
        boolean traceIdZero = true;
        boolean spanIdZero = true;
        for (int i = 0; i < TRACEPARENT_LENGTH; i++) {
            if (i == 2 || i == 35 || i == 52) {
                continue;
            }
            byte b = v[i];
            if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
                return false;
            }
            if (b != '0') {
                if (i > 2 && i < 35) {
                    traceIdZero = false;
                } else if (i > 35 && i < 52) {
                    spanIdZero = false;
                }
            }
        }
        return !traceIdZero && !spanIdZero;
    }
}
