package io.notifyrelay.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * The client's state as a whole and per node, reported to the status listener on every change, with the
 * catch-up times; and the end of the client when a node forbids the subscription.
 */
final class StatusTracker {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());

    private final ClientState s;

    StatusTracker(ClientState s) {
        this.s = s;
    }

    boolean covered() {
        if (s.routes == null) {
            return false;
        }
        if (s.lobWide) {
            return SubscriptionPlanner.lobWideCovered(s.routes.partitionCount(), s.routing.coveredPartitions());
        }
        for (String contact : s.contacts) {
            String url = s.assignment.get(contact);
            Node node = url == null ? null : s.nodes.get(url);
            if (node == null || !node.live() || !node.served.contains(contact)) {
                return false;
            }
        }
        return true;
    }

    /** Recomputes the overall state and reports a change. Lock held. */
    void updateOverall(String detail) {
        ConnectionState next;
        if (s.closed) {
            next = ConnectionState.CLOSED;
        } else if (s.failed) {
            next = ConnectionState.FAILED;
        } else if (covered() && s.nodes.values().stream().anyMatch(n -> n.phase == Phase.OPEN && n.kafkaUnreachable)) {
            next = ConnectionState.STALLED;
        } else if (covered()) {
            next = ConnectionState.LIVE;
        } else if (!s.everLive) {
            next = ConnectionState.CONNECTING;
        } else if (!s.offline && s.nodes.values().stream().anyMatch(node -> node.phase == Phase.OPEN)) {
            next = ConnectionState.RECOVERING;
        } else {
            next = ConnectionState.OFFLINE;
        }
        if (next != ConnectionState.LIVE) {
            s.routing.keepAskingRoutes();
        }
        if (next == s.state) {
            return;
        }
        long now = System.nanoTime();
        if (next == ConnectionState.LIVE) {
            if (s.everLive && s.notLiveSinceNanos >= 0) {
                long took = Math.max(0, now - s.notLiveSinceNanos);
                s.catchUps++;
                s.longestCatchUpNanos = Math.max(s.longestCatchUpNanos, took);
            }
            s.everLive = true;
            s.notLiveSinceNanos = -1;
            s.routesAttempts = 0;
        } else if (s.state == ConnectionState.LIVE) {
            s.notLiveSinceNanos = now;
        }
        s.state = next;
        s.lock.notifyAll();
        emit(new StatusChange(null, next, detail, Instant.now()));
    }

    void reportNode(Node node, String detail) {
        ConnectionState nodeState = node.state();
        if (nodeState == ConnectionState.LIVE) {
            node.everLive = true;
        }
        if (nodeState != node.reported) {
            node.reported = nodeState;
            emit(new StatusChange(node.url, nodeState, detail, Instant.now()));
        }
    }

    void emit(StatusChange change) {
        s.listeners.submit(() -> s.statusListener.accept(change));
    }

    void emitError(ClientError error) {
        s.listeners.submit(() -> s.errorListener.accept(error));
    }

    void fail(String reason) {
        LOG.log(System.Logger.Level.ERROR, "{0}: giving up: {1}", s.name, reason);
        s.failed = true;
        if (s.routesTask != null) {
            s.routesTask.cancel(false);
        }
        for (Node node : List.copyOf(s.nodes.values())) {
            s.sessions.closeNode(node, "client failed");
        }
        updateOverall(reason);
        s.lock.notifyAll();
    }

    ClientStats stats() {
        synchronized (s.lock) {
            return new ClientStats(s.eventsDelivered, s.duplicatesDropped, s.outsideSubscription, s.reconnects,
                    s.movesFollowed, s.resumes, s.resumesIncomplete, s.tooSlowCloses, s.catchUps,
                    Duration.ofNanos(s.longestCatchUpNanos), s.lastIncompleteReason);
        }
    }

    /** What the client knows and waits for, node by node, in one line each. */
    String diagnostics() {
        synchronized (s.lock) {
            StringBuilder out = new StringBuilder();
            out.append(s.name).append(' ').append(s.state).append(" routes=")
                    .append(s.routes == null ? "none" : s.routes.owners()).append(" routesInFlight=")
                    .append(s.routesInFlight).append(" routesScheduled=")
                    .append(s.routesTask != null && !s.routesTask.isDone()).append(" offline=").append(s.offline)
                    .append(" unassigned=")
                    .append(s.contacts.stream().filter(c -> !s.assignment.containsKey(c)).count())
                    .append('\n');
            for (Node node : s.nodes.values()) {
                out.append("  ").append(node.describe()).append(" failures=").append(node.failures)
                        .append(" reconnectScheduled=")
                        .append(node.reconnectTask != null && !node.reconnectTask.isDone())
                        .append('\n');
            }
            return out.toString();
        }
    }
}
