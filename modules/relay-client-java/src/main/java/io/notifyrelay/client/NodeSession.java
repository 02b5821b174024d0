package io.notifyrelay.client;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The protocol state of the client's session with one node, one WebSocket at a time: where the session is
 * (connecting, authenticating, open), what the node announced it serves, the subscribes and replays in flight,
 * and how far the session delivered each partition without a gap. No I/O and no lock of its own: the client
 * holds its lock around every call.
 */
class NodeSession {

    enum Phase { IDLE, BACKOFF, CONNECTING, AUTHENTICATING, OPEN }

    /** A subscribe frame waiting for its {@code subscribed}; compared by identity. */
    static final class Pending {
        static final Pending NONE = new Pending(false, List.of());

        private final boolean resume;
        private final List<String> contacts;

        Pending(boolean resume, List<String> contacts) {
            this.resume = resume;
            this.contacts = contacts;
        }

        /** It carried cursors or a since time: the node replays, and its answer ends the replay. */
        boolean resume() {
            return resume;
        }

        List<String> contacts() {
            return contacts;
        }
    }

    final String url;
    Phase phase = Phase.IDLE;
    /** The node's heartbeat interval, from its welcome. */
    long heartbeatMs = 25_000;
    /** The node said it cannot reach Kafka ({@code status} frame); cleared by its next welcome. */
    boolean kafkaUnreachable;
    boolean everOpened;
    boolean everLive;
    /** Partitions this connection announced in {@code subscribed} and not moved since. */
    final Set<Integer> announced = new TreeSet<>();
    /** Contacts this connection confirmed it serves. */
    final Set<String> served = new LinkedHashSet<>();
    /** Contacts this node said moved for, kept here until the new node serves them: contact to new URL. */
    final Map<String, String> handingOver = new LinkedHashMap<>();
    /** Contacts to subscribe here once the session is open. */
    final Set<String> toSubscribe = new LinkedHashSet<>();
    /** Partitions this connection delivered events of without announcing them. */
    final Set<Integer> unannounced = new TreeSet<>();
    private final Deque<Pending> expected = new ArrayDeque<>();
    /** Positions of events received while a subscribe or replay runs; applied when it is over. */
    private final Map<Integer, CursorBook.Position> held = new HashMap<>();
    /** How far this connection delivered each announced partition without a gap. */
    final Map<Integer, CursorBook.Position> positions = new HashMap<>();
    /** Partitions this connection delivered any event of. */
    final Set<Integer> delivered = new TreeSet<>();
    /** Partitions a moved frame took away while a subscribe was being answered. */
    final Set<Integer> movedWhileSubscribing = new TreeSet<>();
    /** Partitions a fresh session was wanted for while a subscribe was in flight. */
    final Set<Integer> refreshFor = new TreeSet<>();
    int subscribesInFlight;
    int resumesInFlight;
    int refusedRetries;
    int refreshStreak;
    boolean retryPaused;
    boolean refreshScheduled;
    boolean initialSubscribe;
    long quietUntilNanos = System.nanoTime();
    boolean resubscribeWanted;

    NodeSession(String url) {
        this.url = url;
    }

    /** A new connection starts with nothing subscribed. */
    void resetSubscriptionState() {
        announced.clear();
        served.clear();
        unannounced.clear();
        expected.clear();
        held.clear();
        positions.clear();
        delivered.clear();
        movedWhileSubscribing.clear();
        refreshFor.clear();
        initialSubscribe = false;
        subscribesInFlight = 0;
        resumesInFlight = 0;
        refusedRetries = 0;
        retryPaused = false;
        resubscribeWanted = false;
    }

    /** A subscribe or a replay is in flight: positions wait until it is over. */
    boolean settling() {
        return subscribesInFlight > 0 || resumesInFlight > 0;
    }

    boolean live() {
        return phase == Phase.OPEN && !settling();
    }

    ConnectionState state() {
        return switch (phase) {
            case IDLE, BACKOFF -> everOpened ? ConnectionState.OFFLINE : ConnectionState.CONNECTING;
            case CONNECTING, AUTHENTICATING -> everLive ? ConnectionState.RECOVERING : ConnectionState.CONNECTING;
            case OPEN -> live() ? ConnectionState.LIVE
                    : everLive ? ConnectionState.RECOVERING : ConnectionState.CONNECTING;
        };
    }

    void subscribeSent(Pending pending) {
        expected.add(pending);
        subscribesInFlight++;
        if (pending.resume()) {
            resumesInFlight++;
        }
    }

    boolean awaits(Pending pending) {
        return expected.stream().anyMatch(p -> p == pending);
    }

    /** A {@code subscribed} answered the oldest subscribe in flight (its replay, if any, is over too). */
    Pending answered() {
        Pending pending = expected.poll();
        subscribesInFlight = Math.max(0, subscribesInFlight - 1);
        return pending == null ? Pending.NONE : pending;
    }

    /** The node refused the latest subscribe ({@code resume_in_progress}) or the oldest (a limit). */
    Pending refused(boolean latest) {
        Pending pending = latest ? expected.pollLast() : expected.poll();
        subscribesInFlight = Math.max(0, subscribesInFlight - 1);
        if (pending != null && pending.resume()) {
            resumesInFlight = Math.max(0, resumesInFlight - 1);
        }
        return pending;
    }

    /** A replay is over; false when none was in flight. */
    boolean replayOver() {
        if (resumesInFlight == 0) {
            return false;
        }
        resumesInFlight--;
        return true;
    }

    /** An event's position while the session is settling: applied by {@link #releaseHeld()} later. */
    void hold(CursorBook.Position position) {
        held.merge(position.partition(), position, CursorBook::newer);
    }

    /** Settled: the positions held meanwhile of partitions still announced, which the session now has. */
    List<CursorBook.Position> releaseHeld() {
        if (settling()) {
            return List.of();
        }
        List<CursorBook.Position> released = held.entrySet().stream()
                .filter(entry -> announced.contains(entry.getKey())).map(Map.Entry::getValue).toList();
        held.clear();
        return released;
    }

    /** The session has every event of its subscription up to {@code position} in its partition. */
    void advance(CursorBook.Position position) {
        positions.merge(position.partition(), position, CursorBook::newer);
    }

    /** A {@code moved} took these partitions away from this session. */
    void partitionsMoved(Set<Integer> partitions) {
        announced.removeAll(partitions);
        held.keySet().removeAll(partitions);
        if (subscribesInFlight > 0) {
            movedWhileSubscribing.addAll(partitions);
        }
    }

    /** For logs: what the session waits for. */
    String describe() {
        return url + ' ' + phase + " announced=" + announced + " served=" + served.size() + " toSubscribe="
                + toSubscribe.size() + " subscribing=" + subscribesInFlight + " resuming=" + resumesInFlight
                + " unannounced=" + unannounced;
    }
}
