package io.notifyrelay.websocket.internal;

import io.notifyrelay.websocket.TokenLifecycle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;

/**
 * The two deadlines of a session's token: the {@code token_expiring} warning and the 4401 close at the deadline.
 * {@link #schedule} replaces whatever was scheduled for the previous token, so a refresh re-arms both. One timer
 * at a time: the warning arms the close when it fires, so an idle session holds one timer key, not two.
 */
public final class TokenExpiry {

    /** Called with the token's {@code exp} and the milliseconds left until the deadline. */
    @FunctionalInterface
    public interface Warning {
        void warn(Instant expiresAt, long refreshWithinMs);
    }

    /** The time the deadlines are computed from: a seam, so tests move it instead of sleeping. */
    private final Clock clock;
    private XnioExecutor.Key timer;
    /** Bumped by every schedule and cancel, so a warning that fires late cannot arm the close of an old token. */
    private long generation;

    public TokenExpiry() {
        this(Clock.systemUTC());
    }

    public TokenExpiry(Clock clock) {
        this.clock = clock;
    }

    public synchronized void schedule(XnioExecutor executor, TokenLifecycle lifecycle, Instant expiresAt, Warning warning,
                               Runnable expired) {
        cancel();
        long mine = generation;
        TokenLifecycle.Plan plan = lifecycle.plan(expiresAt, clock.instant());
        if (plan.warnIn() == null) {
            timer = executor.executeAfter(expired, plan.closeIn().toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        timer = executor.executeAfter(() -> {
            long left = Math.max(0, Duration.between(clock.instant(), plan.deadline()).toMillis());
            synchronized (this) {
                if (generation != mine) {
                    return; // refreshed or closed meanwhile
                }
                timer = executor.executeAfter(expired, left, TimeUnit.MILLISECONDS);
            }
            warning.warn(plan.expiresAt(), left);
        }, plan.warnIn().toMillis(), TimeUnit.MILLISECONDS);
    }

    public synchronized void cancel() {
        generation++;
        if (timer != null) {
            timer.remove();
            timer = null;
        }
    }
}
