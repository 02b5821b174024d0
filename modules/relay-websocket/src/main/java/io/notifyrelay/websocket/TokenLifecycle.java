package io.notifyrelay.websocket;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What happens as a session's token runs out. At {@code exp - expiryWarning} the client gets
 * {@code {"type":"token_expiring","expiresAt":"<RFC 3339>","refreshWithin":<ms>}}; it may then send a fresh
 * {@code auth} frame (same {@code lob}, contacts no wider than its subscriptions) at any time until
 * {@code exp + refreshGrace}. A valid refresh re-arms the warning and the deadline for the new token; without one
 * the session is closed with 4401 "token expired" at the deadline.
 *
 * @param expiryWarning how long before {@code exp} the warning is sent; clamped to the token's remaining lifetime
 *                      (a token with less left is warned at once); 0 sends no warning
 * @param refreshGrace  how long after {@code exp} a refresh is still taken, 0 to {@link #MAX_REFRESH_GRACE}. Events
 *                      keep flowing during the grace, so it extends what an expired token sees: the default is 0,
 *                      a session never outlives its token and the warning period is the refresh window
 */
public record TokenLifecycle(Duration expiryWarning, Duration refreshGrace) {

    public static final Duration DEFAULT_EXPIRY_WARNING = Duration.ofSeconds(60);
    public static final Duration DEFAULT_REFRESH_GRACE = Duration.ZERO;
    public static final Duration MAX_REFRESH_GRACE = Duration.ofMinutes(5);
    public static final TokenLifecycle DEFAULTS = new TokenLifecycle(DEFAULT_EXPIRY_WARNING, DEFAULT_REFRESH_GRACE);

    public TokenLifecycle {
        Objects.requireNonNull(expiryWarning, "expiryWarning");
        Objects.requireNonNull(refreshGrace, "refreshGrace");
        if (expiryWarning.isNegative()) {
            throw new IllegalArgumentException("the token expiry warning must not be negative");
        }
        if (refreshGrace.isNegative() || refreshGrace.compareTo(MAX_REFRESH_GRACE) > 0) {
            throw new IllegalArgumentException("the token refresh grace must be between 0 and "
                    + MAX_REFRESH_GRACE.toSeconds() + " s");
        }
    }

    /**
     * The timers for a token expiring at {@code expiresAt}, seen at {@code now}.
     *
     * @return when to warn (null: no warning) and when to close, both as delays from {@code now}
     */
    public Plan plan(Instant expiresAt, Instant now) {
        Instant deadline = expiresAt.plus(refreshGrace);
        Duration closeIn = nonNegative(Duration.between(now, deadline));
        Duration warnIn = null;
        if (!expiryWarning.isZero() && !closeIn.isZero()) {
            warnIn = nonNegative(Duration.between(now, expiresAt.minus(expiryWarning)));
        }
        return new Plan(expiresAt, deadline, warnIn, closeIn);
    }

    /**
     * @param deadline when the session is closed unless refreshed: {@code exp + refreshGrace}
     * @param warnIn   delay until the warning, or null for none
     * @param closeIn  delay until the deadline
     */
    public record Plan(Instant expiresAt, Instant deadline, Duration warnIn, Duration closeIn) {
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
