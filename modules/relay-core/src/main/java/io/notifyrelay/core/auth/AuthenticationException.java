package io.notifyrelay.core.auth;

/** A token that cannot be accepted; the message is safe to show the client. */
public final class AuthenticationException extends Exception {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }
}
