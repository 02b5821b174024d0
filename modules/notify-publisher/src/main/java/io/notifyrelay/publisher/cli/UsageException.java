package io.notifyrelay.publisher.cli;

/** The command line cannot be acted on; the message says what to change. Exit code 2. */
final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
