package io.notifyrelay.publisher;

/** Kafka did not acknowledge the record (broker unreachable, timeout, authorization, ...). The cause says why. */
public class PublishFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
