package io.notifyrelay.core.schema;

import java.util.Objects;

/**
 * One reason a document does not match the contract.
 *
 * @param pointer JSON Pointer (RFC 6901) to the offending value; empty for the whole document
 * @param message what is wrong, in words a producer can act on
 */
public record ValidationError(String pointer, String message) {

    public ValidationError {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return (pointer.isEmpty() ? "(document)" : pointer) + ": " + message;
    }
}
