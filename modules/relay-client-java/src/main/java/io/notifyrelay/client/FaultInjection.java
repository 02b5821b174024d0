package io.notifyrelay.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * What a flaky network or a slow reader does to a client, for tests and chaos runs: not part of the API
 * ({@link NotifyRelayClient.Faults} is its package-private door).
 */
final class FaultInjection {

    private final ClientState s;

    FaultInjection(ClientState s) {
        this.s = s;
    }

    /** Drops every connection abruptly (no close frame), as a network blip does; the client reconnects. */
    public void dropConnections() {
        synchronized (s.lock) {
            for (Node node : List.copyOf(s.nodes.values())) {
                s.sessions.abort(node, "connection cut (fault injection)");
            }
        }
    }

    /**
     * Drops every connection and stays offline for {@code duration}: no connection, no routes request,
     * as a laptop that lost the network. Then reconnects and resumes. The time offline does not count in
     * {@link ClientStats#longestCatchUp()}, which starts when the client can try again.
     */
    public void goOffline(Duration duration) {
        synchronized (s.lock) {
            if (s.closed) {
                return;
            }
            s.offline = true;
            for (Node node : List.copyOf(s.nodes.values())) {
                s.sessions.abort(node, "offline (fault injection)");
            }
            s.scheduler.schedule(s.guarded("offline end", () -> {
                synchronized (s.lock) {
                    s.offline = false;
                    if (s.notLiveSinceNanos >= 0) {
                        s.notLiveSinceNanos = System.nanoTime();
                    }
                    for (Node node : s.nodes.values()) {
                        if (node.phase == Phase.BACKOFF && node.reconnectTask == null) {
                            node.phase = Phase.IDLE;
                        }
                    }
                    s.routing.requestRoutes(0);
                }
            }), duration.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Stops reading every session for {@code duration}, as a frozen browser tab: the node's buffer for the
     * session fills and it closes the session as too slow (4429) if enough arrives meanwhile. Then reads
     * what is left, reconnects if it was closed, and resumes. Like time offline, the stall itself does not
     * count in {@link ClientStats#longestCatchUp()}.
     */
    public void stallReading(Duration duration) {
        synchronized (s.lock) {
            s.stalled = true;
        }
        s.scheduler.schedule(s.guarded("stall end", () -> {
            synchronized (s.lock) {
                s.stalled = false;
                if (s.notLiveSinceNanos >= 0) {
                    s.notLiveSinceNanos = System.nanoTime(); // a frozen client's own time is not catch-up time
                }
            }
            s.sessions.releaseOwedReads();
        }), duration.toNanos(), TimeUnit.NANOSECONDS);
    }
}
