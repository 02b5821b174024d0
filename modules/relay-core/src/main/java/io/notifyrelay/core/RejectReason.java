package io.notifyrelay.core;

/** Why a record could not be relayed. The names are stable: they label metrics and dead-letter headers. */
public enum RejectReason {
    MISSING_KEY("record has no key; the key must be the contactId (UTF-8)"),
    MISSING_LOB_ID("no ce_lobid header (binary mode) or lobid attribute (structured mode)"),
    UNSUPPORTED_SPEC_VERSION("CloudEvents specversion is not 1.0"),
    UNSUPPORTED_CONTENT_TYPE("content-type is neither application/json nor application/cloudevents+json"),
    OVERSIZED("value is larger than the configured maximum"),
    MALFORMED_JSON("value is not well-formed UTF-8 JSON"),
    NOT_A_NOTIFICATION("value is not a notification object {payloadType, payload}"),
    UNKNOWN_PAYLOAD_TYPE("payloadType is not CONNECTION_RESPONSE, ISSUANCE_RESPONSE or VERIFICATION_RESPONSE"),
    SCHEMA_VIOLATION("value does not match schemas/notification.schema.json"),
    INVALID_EXPIRY("ce_expirytime header or expirytime attribute is not an RFC 3339 time");

    private final String description;

    RejectReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
