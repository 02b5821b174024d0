package io.notifyrelay.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.notifyrelay.core.PayloadType;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Outcome of checking a structured-mode CloudEvent against {@code schemas/cloudevent-structured.schema.json}.
 * When valid, every attribute the contract requires is present; {@code time} stays optional.
 *
 * @param errors      every problem found (pointers are relative to the envelope, so data errors start
 *                    with {@code /data}); empty when valid
 * @param id          the {@code id} attribute; null when invalid
 * @param source      the {@code source} attribute; null when invalid
 * @param type        the {@code type} attribute, matching {@code payloadType}; null when invalid
 * @param time        the {@code time} attribute, or null when absent or invalid
 * @param lobId       the {@code lobid} extension attribute; null when invalid
 * @param payloadType the notification's type; null when invalid
 * @param contactId   the notification's contactId; null when invalid
 * @param data        the notification (a read-only view by convention: do not mutate); null when invalid
 */
public record StructuredEventValidation(List<ValidationError> errors, String id, String source, String type,
                                        String time, String lobId, PayloadType payloadType, String contactId,
                                        JsonNode data) {

    public StructuredEventValidation {
        errors = List.copyOf(errors);
        if (errors.isEmpty()) {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(lobId, "lobId");
            Objects.requireNonNull(payloadType, "payloadType");
            Objects.requireNonNull(contactId, "contactId");
            Objects.requireNonNull(data, "data");
        }
    }

    static StructuredEventValidation invalid(List<ValidationError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an invalid result needs at least one error");
        }
        return new StructuredEventValidation(errors, null, null, null, null, null, null, null, null);
    }

    public boolean isValid() {
        return errors.isEmpty();
    }

    public String describeErrors() {
        return errors.stream().map(ValidationError::toString).collect(Collectors.joining(System.lineSeparator()));
    }
}
