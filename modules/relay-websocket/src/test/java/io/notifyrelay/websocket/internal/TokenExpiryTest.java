package io.notifyrelay.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.websocket.TokenLifecycle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xnio.XnioExecutor;

/** The token's two deadlines with a test clock and a timer the test fires: no sockets, no sleeping. */
class TokenExpiryTest {

    private final TestTime time = new TestTime();
    private final TokenExpiry expiry = new TokenExpiry(time);
    private final List<String> happened = new ArrayList<>();
    private final TokenLifecycle lifecycle = new TokenLifecycle(Duration.ofSeconds(60), Duration.ofSeconds(10));

    @Test
    void warnsAMinuteBeforeExpAndClosesAtExpPlusGrace() {
        Instant exp = time.now.plusSeconds(300);
        schedule("a", exp);
        time.advanceTo(exp.minusSeconds(60));
        assertEquals(List.of("warn a exp=" + exp + " within=70000"), happened);
        time.advanceTo(exp.plusSeconds(10).minusMillis(1));
        assertEquals(1, happened.size(), "not closed before exp + grace");
        time.advanceTo(exp.plusSeconds(10));
        assertEquals("close a", happened.get(1));
    }

    @Test
    void aRefreshReArmsBothAndTheOldTokensTimersNeverFire() {
        Instant first = time.now.plusSeconds(100);
        schedule("a", first);
        time.advanceTo(first.minusSeconds(60)); // warned for the first token
        Instant second = time.now.plusSeconds(3600);
        schedule("b", second);
        time.advanceTo(first.plusSeconds(30));
        assertEquals(List.of("warn a exp=" + first + " within=70000"), happened, "the old close is gone");
        time.advanceTo(second.plusSeconds(10));
        assertEquals(List.of("warn a exp=" + first + " within=70000", "warn b exp=" + second + " within=70000",
                "close b"), happened);
    }

    @Test
    void aShortTokenIsWarnedAtOnceAndCancelStopsEverything() {
        Instant exp = time.now.plusSeconds(5);
        schedule("a", exp);
        time.advanceTo(time.now);
        assertEquals(List.of("warn a exp=" + exp + " within=15000"), happened);
        expiry.cancel();
        time.advanceTo(exp.plusSeconds(60));
        assertEquals(1, happened.size());
        assertTrue(time.pending.isEmpty());
    }

    private void schedule(String name, Instant exp) {
        expiry.schedule(time, lifecycle, exp,
                (at, within) -> happened.add("warn " + name + " exp=" + at + " within=" + within),
                () -> happened.add("close " + name));
    }

    /** A clock and a timer in one: timers fire, in order, when the test moves the time past them. */
    private static final class TestTime extends Clock implements XnioExecutor {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        final List<Timer> pending = new ArrayList<>();

        private final class Timer implements Key {
            final Instant at;
            final Runnable task;

            Timer(Instant at, Runnable task) {
                this.at = at;
                this.task = task;
            }

            @Override
            public boolean remove() {
                return pending.remove(this);
            }
        }

        void advanceTo(Instant target) {
            while (true) {
                Timer next = pending.stream().filter(t -> !t.at.isAfter(target))
                        .min((a, b) -> a.at.compareTo(b.at)).orElse(null);
                if (next == null) {
                    break;
                }
                pending.remove(next);
                now = next.at.isAfter(now) ? next.at : now;
                next.task.run();
            }
            now = target.isAfter(now) ? target : now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public Key executeAfter(Runnable command, long time, TimeUnit unit) {
            Timer timer = new Timer(now.plusMillis(unit.toMillis(time)), command);
            pending.add(timer);
            return timer;
        }

        @Override
        public Key executeAtInterval(Runnable command, long time, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}
