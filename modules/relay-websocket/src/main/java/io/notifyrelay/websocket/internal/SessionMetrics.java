package io.notifyrelay.websocket.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.notifyrelay.websocket.CloseCodes;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/** The WebSocket side's meters; created once per server, shared by its sessions. */
public final class SessionMetrics {

    private final MeterRegistry registry;
    private final Counter delivered;
    private final Counter replayed;
    private final Counter duplicatesSkipped;
    private final Timer deliveryLatency;
    private final ConcurrentMap<String, Counter> dropped = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Counter> closed = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rejectedFrames = new ConcurrentHashMap<>();

    public SessionMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.delivered = Counter.builder("relay.events.delivered")
                .description("Event frames written to sessions (live and replayed)").register(registry);
        this.replayed = Counter.builder("relay.events.replayed")
                .description("Event frames sent to resuming sessions from the window or Kafka").register(registry);
        this.duplicatesSkipped = Counter.builder("relay.events.duplicates.skipped")
                .description("Events a session already had (offset not after its last), not sent again").register(registry);
        this.deliveryLatency = Timer.builder("relay.delivery.latency")
                .description("From the Kafka record timestamp to the frame written to the socket")
                .publishPercentileHistogram().register(registry);
        // at zero from start-up, so dashboards and alerts (rate of 4429 closes …) see the series before the first
        for (String reason : List.of("slow_session", "write_failed")) {
            dropped(reason, 0);
        }
        for (int code : List.of(CloseCodes.GOING_AWAY, CloseCodes.POLICY_VIOLATION, CloseCodes.MESSAGE_TOO_BIG,
                CloseCodes.TRY_AGAIN_LATER, CloseCodes.UNAUTHORIZED, CloseCodes.FORBIDDEN, CloseCodes.AUTH_TIMEOUT,
                CloseCodes.TOO_SLOW)) {
            closedCounter(code);
        }
        for (String code : List.of("bad_frame", "unknown_type")) {
            rejectedFrameCounter(code);
        }
    }

    public void delivered() {
        delivered.increment();
    }

    public void replayed() {
        replayed.increment();
    }

    public void duplicateSkipped() {
        duplicatesSkipped.increment();
    }

    public void written(long recordTimestampMs) {
        long latencyMs = System.currentTimeMillis() - recordTimestampMs;
        if (latencyMs >= 0) {
            deliveryLatency.record(latencyMs, TimeUnit.MILLISECONDS);
        }
    }

    /** An event that did not reach a session that wanted it, and why (slow_session, write_failed …). */
    public void dropped(String reason) {
        dropped(reason, 1);
    }

    private void dropped(String reason, int count) {
        dropped.computeIfAbsent(reason, r -> Counter.builder("relay.events.dropped").tag("reason", r)
                .description("Events not delivered to a session that wanted them, by reason; the session resumes "
                        + "from its cursor").register(registry)).increment(count);
    }

    public void closed(int code) {
        closedCounter(code).increment();
    }

    private Counter closedCounter(int code) {
        return closed.computeIfAbsent(code, c -> Counter.builder("relay.sessions.closed").tag("code", String.valueOf(c))
                .description("Sessions the relay closed, by close code (4429 too slow, 4401 token ...)")
                .register(registry));
    }

    public void rejectedFrame(String code) {
        rejectedFrameCounter(code).increment();
    }

    private Counter rejectedFrameCounter(String code) {
        return rejectedFrames.computeIfAbsent(code, c -> Counter.builder("relay.client.frames.rejected").tag("code", c)
                .description("Client frames answered with an error frame, by error code").register(registry));
    }
}
