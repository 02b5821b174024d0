package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.TokenLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;

/**
 * The two timers of a session's token: the {@code token_expiring} warning and the 4401 close at the deadline.
 * {@link #schedule} replaces whatever was scheduled for the previous token, so a refresh re-arms both.
 */
final class TokenExpiry {

    /** Called with the token's {@code exp} and the milliseconds left until the deadline. */
    @FunctionalInterface
    interface Warning {
        void warn(Instant expiresAt, long refreshWithinMs);
    }

    private XnioExecutor.Key warningTimer;
    private XnioExecutor.Key closeTimer;

    synchronized void schedule(XnioExecutor executor, TokenLifecycle lifecycle, Instant expiresAt, Warning warning,
                               Runnable expired) {
        cancel();
        TokenLifecycle.Plan plan = lifecycle.plan(expiresAt, Instant.now());
        if (plan.warnIn() != null) {
            warningTimer = executor.executeAfter(() -> warning.warn(plan.expiresAt(),
                            Math.max(0, Duration.between(Instant.now(), plan.deadline()).toMillis())),
                    plan.warnIn().toMillis(), TimeUnit.MILLISECONDS);
        }
        closeTimer = executor.executeAfter(expired, plan.closeIn().toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void cancel() {
        if (warningTimer != null) {
            warningTimer.remove();
            warningTimer = null;
        }
        if (closeTimer != null) {
            closeTimer.remove();
            closeTimer = null;
        }
    }
}
