package io.notifyrelay.core.auth;

/** Turns the token a client sends in its {@code auth} frame into a {@link Principal}. */
@FunctionalInterface
public interface TokenVerifier {
    Principal verify(String token) throws AuthenticationException;
}
