package io.notifyrelay.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import io.notifyrelay.core.schema.NotificationSchema;
import io.notifyrelay.core.schema.NotificationValidation;

/**
 * Reads the notification envelope (CloudEvents 1.0 Kafka binding, binary or structured mode) from a
 * record and decides whether it can be relayed.
 *
 * <p>Binary-mode values are forwarded byte for byte, so this only scans them: a full parse into a tree
 * would cost an allocation per node on the hot path. Never throws: anything unusable becomes a
 * {@link DecodeResult.Rejected} with a reason, so one bad record cannot stop the consumer.
 */
public final class EnvelopeDecoder {

    private static final JsonFactory JSON = new JsonFactory();
    /** Exact decimals, so numbers inside a structured event's data are forwarded as written. */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JSON)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private final String epoch;
    private final int maxValueBytes;
    private final boolean strict;

    /**
     * @param epoch         the topic epoch stamped into every cursor (see {@link Cursor})
     * @param maxValueBytes records with a larger value are rejected as {@link RejectReason#OVERSIZED}
     */
    public EnvelopeDecoder(String epoch, int maxValueBytes) {
        this(epoch, maxValueBytes, false);
    }

    /**
     * @param strict also validate every notification against {@code schemas/notification.schema.json};
     *               lenient (false) checks only the shape routing needs: a JSON object with a known
     *               {@code payloadType} and an object {@code payload}
     */
    public EnvelopeDecoder(String epoch, int maxValueBytes, boolean strict) {
        this.strict = strict;
        this.epoch = epoch;
        if (maxValueBytes <= 0) {
            throw new IllegalArgumentException("maxValueBytes must be positive");
        }
        this.maxValueBytes = maxValueBytes;
    }

    public DecodeResult decode(InboundRecord record) {
        try {
            return decodeOrReject(record);
        } catch (RuntimeException e) {
            // a decoder bug must not stop the consumer either; surface it as a rejection
            return reject(record, RejectReason.MALFORMED_JSON, "unexpected " + e);
        }
    }

    private DecodeResult decodeOrReject(InboundRecord record) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return reject(record, RejectReason.NOT_A_NOTIFICATION, "empty value");
        }
        if (value.length > maxValueBytes) {
            return reject(record, RejectReason.OVERSIZED, value.length + " bytes > limit " + maxValueBytes);
        }
        String contentType = header(record, CloudEventHeaders.CONTENT_TYPE).map(EnvelopeDecoder::mediaType).orElse(null);
        boolean structured = CloudEventHeaders.STRUCTURED_CONTENT_TYPE.equals(contentType)
                || (contentType == null && header(record, CloudEventHeaders.SPEC_VERSION).isEmpty());
        if (!structured && contentType != null && !CloudEventHeaders.JSON_CONTENT_TYPE.equals(contentType)) {
            return reject(record, RejectReason.UNSUPPORTED_CONTENT_TYPE, "content-type " + contentType);
        }
        Optional<String> contactId = utf8(record.key());
        if (contactId.isEmpty() || contactId.get().isBlank()) {
            return reject(record, RejectReason.MISSING_KEY, "key is absent, empty or not UTF-8");
        }
        if (!isValidUtf8(value)) {
            return reject(record, RejectReason.MALFORMED_JSON, "value is not valid UTF-8");
        }
        return structured ? decodeStructured(record, contactId.get()) : decodeBinary(record, contactId.get());
    }

    private DecodeResult decodeBinary(InboundRecord record, String contactId) {
        Optional<String> specVersion = header(record, CloudEventHeaders.SPEC_VERSION);
        if (specVersion.isPresent() && !CloudEventHeaders.SPEC_VERSION_1_0.equals(specVersion.get())) {
            return reject(record, RejectReason.UNSUPPORTED_SPEC_VERSION, "ce_specversion " + specVersion.get());
        }
        Optional<String> lobId = header(record, CloudEventHeaders.LOB_ID).filter(s -> !s.isBlank());
        if (lobId.isEmpty()) {
            return reject(record, RejectReason.MISSING_LOB_ID, "no ce_lobid header");
        }
        ScanResult scan = scanNotification(record.value());
        if (scan.problem() != null) {
            return reject(record, scan.reason(), scan.problem());
        }
        String eventId = header(record, CloudEventHeaders.ID).filter(s -> !s.isBlank())
                .orElseGet(() -> syntheticId(record));
        byte[] expiry = record.headers().get(CloudEventHeaders.EXPIRY_TIME);
        long expiresAt = expiry == null ? RelayEvent.NO_EXPIRY : EventExpiry.parse(utf8(expiry).orElse(""));
        if (expiresAt == EventExpiry.INVALID) {
            return reject(record, RejectReason.INVALID_EXPIRY, "ce_expirytime " + truncate(utf8(expiry).orElse("?")));
        }
        return accept(record, eventId, lobId.get(), contactId, scan.payloadType(), record.value(), expiresAt);
    }

    private DecodeResult decodeStructured(InboundRecord record, String contactId) {
        JsonNode envelope;
        try {
            envelope = MAPPER.readTree(record.value());
        } catch (IOException e) {
            return reject(record, RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
        }
        if (!(envelope instanceof ObjectNode)) {
            return reject(record, RejectReason.NOT_A_NOTIFICATION, "structured envelope is not a JSON object");
        }
        String specVersion = envelope.path("specversion").isTextual() ? envelope.path("specversion").asText() : null;
        if (specVersion == null) {
            return reject(record, RejectReason.NOT_A_NOTIFICATION,
                    "no CloudEvents headers and the value is not a structured CloudEvent (no specversion)");
        }
        if (!CloudEventHeaders.SPEC_VERSION_1_0.equals(specVersion)) {
            return reject(record, RejectReason.UNSUPPORTED_SPEC_VERSION, "specversion " + specVersion);
        }
        String lobId = envelope.path("lobid").isTextual() ? envelope.path("lobid").asText() : "";
        if (lobId.isBlank()) {
            return reject(record, RejectReason.MISSING_LOB_ID, "no lobid attribute (a string)");
        }
        String eventIdAttribute = envelope.path("id").isTextual() ? envelope.path("id").asText() : "";
        if (hasLoneSurrogate(lobId) || hasLoneSurrogate(eventIdAttribute)) {
            // JSON escapes can spell UTF-16 halves that no UTF-8 frame can carry
            return reject(record, RejectReason.MALFORMED_JSON, "id or lobid contains an unpaired surrogate");
        }
        JsonNode expiry = envelope.get("expirytime");
        long expiresAt = expiry == null || expiry.isNull() ? RelayEvent.NO_EXPIRY
                : EventExpiry.parse(expiry.isTextual() ? expiry.asText() : "");
        if (expiresAt == EventExpiry.INVALID) {
            return reject(record, RejectReason.INVALID_EXPIRY, "expirytime " + truncate(expiry.toString()));
        }
        JsonNode data = envelope.get("data");
        if (data == null || !data.isObject()) {
            return reject(record, RejectReason.NOT_A_NOTIFICATION, "data is missing or not an object");
        }
        byte[] notification;
        try {
            notification = MAPPER.writeValueAsBytes(data);
        } catch (IOException e) {
            return reject(record, RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
        }
        ScanResult scan = scanNotification(notification);
        if (scan.problem() != null) {
            return reject(record, scan.reason(), scan.problem());
        }
        return accept(record, eventIdAttribute.isBlank() ? syntheticId(record) : eventIdAttribute, lobId, contactId,
                scan.payloadType(), notification, expiresAt);
    }

    private record ScanResult(PayloadType payloadType, RejectReason reason, String problem) {
    }

    /** Checks the value is one well-formed JSON object with a known payloadType and an object payload. */
    static ScanResult scanNotification(byte[] json) {
        String payloadTypeName = null;
        boolean payloadIsObject = false;
        try (JsonParser parser = JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return new ScanResult(null, RejectReason.NOT_A_NOTIFICATION, "value is not a JSON object");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken valueToken = parser.nextToken();
                if ("payloadType".equals(field) && valueToken == JsonToken.VALUE_STRING) {
                    payloadTypeName = parser.getText();
                } else if ("payload".equals(field)) {
                    payloadIsObject = valueToken == JsonToken.START_OBJECT;
                    parser.skipChildren();
                } else {
                    parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return new ScanResult(null, RejectReason.MALFORMED_JSON, "trailing content after the JSON object");
            }
        } catch (IOException e) {
            return new ScanResult(null, RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
        }
        if (payloadTypeName == null) {
            return new ScanResult(null, RejectReason.NOT_A_NOTIFICATION, "payloadType is missing or not a string");
        }
        Optional<PayloadType> payloadType = PayloadType.fromName(payloadTypeName);
        if (payloadType.isEmpty()) {
            return new ScanResult(null, RejectReason.UNKNOWN_PAYLOAD_TYPE, "payloadType " + truncate(payloadTypeName));
        }
        if (!payloadIsObject) {
            return new ScanResult(null, RejectReason.NOT_A_NOTIFICATION, "payload is missing or not an object");
        }
        return new ScanResult(payloadType.get(), null, null);
    }

    private DecodeResult accept(InboundRecord record, String eventId, String lobId, String contactId,
                                PayloadType payloadType, byte[] notification, long expiresAtMs) {
        if (strict) {
            NotificationValidation validation = NotificationSchema.instance().validate(notification);
            if (!validation.isValid()) {
                return reject(record, RejectReason.SCHEMA_VIOLATION, truncate(validation.describeErrors()));
            }
        }
        Cursor cursor = new Cursor(epoch, record.partition(), record.offset());
        String traceparent = TraceHeaders.traceparent(record.headers());
        String tracestate = traceparent == null ? null : TraceHeaders.tracestate(record.headers());
        return new DecodeResult.Accepted(new RelayEvent(eventId, lobId, contactId, payloadType, cursor,
                record.timestampMs(), notification, traceparent, tracestate, expiresAtMs));
    }

    private static DecodeResult reject(InboundRecord record, RejectReason reason, String detail) {
        return new DecodeResult.Rejected(record, reason, detail);
    }

    /** A producer that sends no event id still gets one that is stable across redelivery of the record. */
    private static String syntheticId(InboundRecord record) {
        return record.topic() + '-' + record.partition() + '-' + record.offset();
    }

    private static Optional<String> header(InboundRecord record, String name) {
        return utf8(record.headers().get(name)).map(String::trim);
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase();
    }

    private static Optional<String> utf8(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        // as strict as a REPORTing CharsetDecoder (malformed input, surrogates, overlongs) without a decoder,
        // a ByteBuffer and a CharBuffer per header: this runs for every header of every record
        return isValidUtf8(bytes) ? Optional.of(new String(bytes, StandardCharsets.UTF_8)) : Optional.empty();
    }

    /**
     * Browsers close a WebSocket whose text frame is not valid UTF-8 (RFC 6455 code 1007), so one bad
     * byte forwarded would cost every recipient its connection. ASCII takes the fast path.
     */
    static boolean isValidUtf8(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            int extra;
            int min;
            if ((b & 0xE0) == 0xC0) {
                extra = 1;
                min = 0x80;
                b &= 0x1F;
            } else if ((b & 0xF0) == 0xE0) {
                extra = 2;
                min = 0x800;
                b &= 0x0F;
            } else if ((b & 0xF8) == 0xF0) {
                extra = 3;
                min = 0x10000;
                b &= 0x07;
            } else {
                return false;
            }
            if (i + extra >= n) {
                return false;
            }
            int codePoint = b;
            for (int k = 1; k <= extra; k++) {
                int c = bytes[i + k];
                if ((c & 0xC0) != 0x80) {
                    return false;
                }
                codePoint = (codePoint << 6) | (c & 0x3F);
            }
            if (codePoint < min || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
                return false;
            }
            i += extra + 1;
        }
        return true;
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable JSON";
        }
        int newline = message.indexOf('\n');
        return truncate(newline < 0 ? message : message.substring(0, newline));
    }

    private static String truncate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }
}
