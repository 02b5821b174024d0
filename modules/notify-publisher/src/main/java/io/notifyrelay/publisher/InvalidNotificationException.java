package io.notifyrelay.publisher;

import io.notifyrelay.core.schema.ValidationError;
import java.util.List;
import java.util.stream.Collectors;

/** The notification does not match schemas/notification.schema.json (or not the contactId it was published under); nothing was sent. */
public class InvalidNotificationException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient List<ValidationError> errors;

    public InvalidNotificationException(List<ValidationError> errors) {
        super(describe(errors));
        this.errors = List.copyOf(errors);
    }

    /** Every problem found, not just the first. */
    public List<ValidationError> errors() {
        return errors;
    }

    private static String describe(List<ValidationError> errors) {
        return "notification rejected, nothing was sent (" + errors.size() + (errors.size() == 1 ? " problem" : " problems")
                + "):" + errors.stream().map(e -> System.lineSeparator() + "  " + e).collect(Collectors.joining());
    }
}
