package io.notifyrelay.core;

import java.util.Optional;

/** The three kinds of notification the Notify API sends, as named by the {@code payloadType} field. */
public enum PayloadType {
    CONNECTION_RESPONSE,
    ISSUANCE_RESPONSE,
    VERIFICATION_RESPONSE;

    private final String cloudEventType = "notify." + name().toLowerCase().replace('_', '-');

    /** The CloudEvents {@code type} attribute for this payload type, e.g. {@code notify.connection-response}. */
    public String cloudEventType() {
        return cloudEventType;
    }

    public static Optional<PayloadType> fromName(String name) {
        for (PayloadType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
