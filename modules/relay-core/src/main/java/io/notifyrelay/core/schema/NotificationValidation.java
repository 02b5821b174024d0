package io.notifyrelay.core.schema;

import io.notifyrelay.core.PayloadType;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Outcome of checking one notification against {@code schemas/notification.schema.json}.
 *
 * @param errors      every problem found; empty when valid
 * @param payloadType the notification's type; null when invalid
 * @param contactId   the contact it is about ({@code payload.contactId} or {@code payload.contactDetail.contactId},
 *                    parsed from the JSON string when contactDetail is one); null when invalid
 */
public record NotificationValidation(List<ValidationError> errors, PayloadType payloadType, String contactId) {

    public NotificationValidation {
        errors = List.copyOf(errors);
        if (errors.isEmpty()) {
            Objects.requireNonNull(payloadType, "payloadType of a valid notification");
            Objects.requireNonNull(contactId, "contactId of a valid notification");
        }
    }

    static NotificationValidation valid(PayloadType payloadType, String contactId) {
        return new NotificationValidation(List.of(), payloadType, contactId);
    }

    static NotificationValidation invalid(List<ValidationError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an invalid result needs at least one error");
        }
        return new NotificationValidation(errors, null, null);
    }

    public boolean isValid() {
        return errors.isEmpty();
    }

    /** The errors on one line each, e.g. {@code /payload/state: does not have a value in the enumeration [...]}. */
    public String describeErrors() {
        return errors.stream().map(ValidationError::toString).collect(Collectors.joining(System.lineSeparator()));
    }
}
