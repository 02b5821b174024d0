package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.notifyrelay.client.NodeSession.Pending;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * The subscribe flow of one session: one {@code subscribe} in flight at a time, with cursors and the since
 * time; the {@code subscribed} answer (what the node serves, whether its replay recovered everything); retries
 * after a refusal; and a fresh session when the node's share changed, so every replay starts from a cursor.
 */
final class Subscriptions {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());

    private final ClientState s;

    Subscriptions(ClientState s) {
        this.s = s;
    }

    /**
     * Subscribes contacts waiting for this node, one frame at a time: a node takes one subscribe per session
     * until it has answered (a resume in progress refuses the next), so the rest wait for {@code subscribed}.
     * Contacts joining a session that has already delivered events of their partition get a fresh session
     * instead: a node replays onto a session only what is newer than what that session already sent.
     */
    void flushSubscribes(Node node) {
        if (s.lobWide || node.phase != Phase.OPEN || node.toSubscribe.isEmpty() || node.settling()
                || node.retryPaused) {
            return;
        }
        if (!node.initialSubscribe) {
            for (String contact : node.toSubscribe) {
                Integer partition = s.contactPartition.get(contact);
                if (partition == null || node.delivered.contains(partition) || node.announced.contains(partition)) {
                    requestRefresh(node, "contacts join partitions this session has delivered", Set.of());
                    return;
                }
            }
        }
        List<String> batch = new ArrayList<>();
        for (String contact : node.toSubscribe) {
            if (batch.size() == NotifyRelayClient.CONTACTS_PER_FRAME) {
                break;
            }
            batch.add(contact);
        }
        batch.forEach(node.toSubscribe::remove);
        if (node.toSubscribe.isEmpty()) {
            node.initialSubscribe = false;
        }
        sendSubscribe(node, batch);
        s.status.reportNode(node, null);
    }

    /** Sends a subscribe frame with the cursors and the since time. {@code contactList} null = whole LOB. */
    void sendSubscribe(Node node, List<String> contactList) {
        ObjectNode frame = Frames.JSON.createObjectNode().put("type", "subscribe");
        if (s.ack) {
            frame.put("ack", true);
        }
        if (contactList != null) {
            ArrayNode array = frame.putArray("contacts");
            contactList.forEach(array::add);
        }
        List<String> all = contactList == null ? s.cursors.cursors() : s.positions.cursorsFor(contactList);
        if (!all.isEmpty()) {
            ArrayNode array = frame.putArray("cursors");
            all.forEach(array::add);
        }
        if (s.since != null) {
            frame.put("since", s.since.toString());
        }
        boolean resume = !all.isEmpty() || s.since != null;
        Pending pending = new Pending(resume, contactList == null ? List.of() : List.copyOf(contactList));
        Connection connection = node.connection;
        s.scheduler.schedule(s.guarded("subscribe timeout", () -> {
            synchronized (s.lock) {
                if (s.sessions.current(connection) && connection.node.awaits(pending)) {
                    // a node that never answers (a stuck replay, a lost request) must not hold us forever
                    LOG.log(System.Logger.Level.WARNING, "{0}: {1} did not answer a subscribe within {2} s", s.name,
                            connection.node.url, s.subscribeTimeout.toSeconds());
                    WebSocketTransport.Socket socket = connection.node.socket;
                    s.sessions.connectionLost(connection, NotifyRelayClient.ABNORMAL, "no answer to subscribe");
                    if (socket != null) {
                        socket.abort();
                    }
                }
            }
        }), s.subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        node.subscribeSent(pending);
        if (resume) {
            s.resumes++;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: subscribe at {1}: {2} contacts, {3} cursors", s.name, node.url,
                contactList == null ? "all" : contactList.size(), all.size());
        s.sessions.send(node, frame.toString());
    }

    /**
     * Re-opens the session with this node so it replays, from our cursors, partitions or contacts it serves
     * now but did not when the session began. A fresh session is the one resume path that needs no trust in
     * what the old session already sent. Rate-limited per node.
     */
    void requestRefresh(Node node, String reason, Set<Integer> partitions) {
        if (node.phase != Phase.OPEN) {
            return; // a session being opened subscribes to everything it needs when it opens
        }
        if (node.settling()) {
            node.refreshFor.addAll(partitions); // the answer may announce them: decide then
            return;
        }
        long wait = node.quietUntilNanos - System.nanoTime();
        if (wait > 0) {
            if (!node.refreshScheduled) {
                node.refreshScheduled = true;
                Connection connection = node.connection;
                s.scheduler.schedule(s.guarded("delayed new session", () -> {
                    synchronized (s.lock) {
                        node.refreshScheduled = false;
                        boolean stillNeeded = !s.lobWide || partitions.isEmpty()
                                || !node.announced.containsAll(partitions);
                        if (s.sessions.current(connection) && stillNeeded) {
                            requestRefresh(node, reason, partitions);
                        }
                    }
                }), wait, TimeUnit.NANOSECONDS);
            }
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: new session with {1}: {2}", s.name, node.url, reason);
        node.quietUntilNanos = System.nanoTime() + s.backoff.delay(Math.min(node.refreshStreak++, 30)).toNanos();
        if (!s.lobWide) {
            s.positions.saveContactCursors(node, node.served);
        }
        WebSocketTransport.Socket socket = node.socket;
        s.sessions.dropConnection(node);
        if (socket != null) {
            socket.close("resubscribing");
        }
        node.phase = Phase.IDLE;
        s.sessions.ensureConnected(node);
        s.status.updateOverall("new session with " + node.url);
    }

    void onSubscribed(Node node, JsonNode frame) {
        Pending pending = node.answered();
        Set<Integer> partitions = Frames.ints(frame.path("partitions"));
        LOG.log(System.Logger.Level.DEBUG, "{0}: subscribed at {1}: partitions {2} contacts {3} recovered {4}", s.name,
                node.url, partitions, frame.path("contacts"), frame.path("recovered"));
        // what moved away while the subscribe was answered is no longer served here, whatever the answer lists
        partitions.removeAll(node.movedWhileSubscribing);
        if (s.lobWide) {
            node.announced.clear();
            node.announced.addAll(partitions);
        } else {
            node.announced.addAll(partitions);
            Set<String> servedHere = Frames.strings(frame.path("contacts"));
            boolean doubtful = false;
            for (String contact : servedHere) {
                if (!s.contacts.contains(contact) || !node.url.equals(s.assignment.get(contact))) {
                    continue;
                }
                Integer partition = s.contactPartition.get(contact);
                if (partition != null && !node.announced.contains(partition)) {
                    // listed as served, but not its partition: the node did not replay it. Ask again
                    node.toSubscribe.add(contact);
                    doubtful = true;
                    continue;
                }
                node.served.add(contact);
            }
            if (doubtful) {
                pauseSubscribes(node);
            }
            finishHandOvers(node);
            for (String contact : pending.contacts()) {
                if (!servedHere.contains(contact) && node.url.equals(s.assignment.get(contact))) {
                    s.assignment.remove(contact); // not served here and no moved said where: ask the routes
                    s.routing.requestRoutesWithBackoff();
                }
            }
        }
        if (node.subscribesInFlight == 0) {
            node.movedWhileSubscribing.clear();
        }
        node.unannounced.removeAll(node.announced);
        if (pending.resume()) {
            // a node answers a resume once its replay is over, saying whether it recovered everything
            finishResume(node, frame.path("recovered").asBoolean(false),
                    frame.has("recovered") ? Frames.text(frame, "reason") : "no_replay_result");
        }
        node.failures = 0;
        if (!node.retryPaused) {
            node.refusedRetries = 0;
        }
        afterSubscribeProgress(node);
    }

    /** A replay this session asked for is over. */
    void finishResume(Node node, boolean recovered, String reason) {
        if (!node.replayOver()) {
            return;
        }
        if (!recovered) {
            s.resumesIncomplete++;
            s.lastIncompleteReason = reason == null ? "unknown" : reason;
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} could not replay everything missed: {2}", s.name, node.url,
                    s.lastIncompleteReason);
            s.status.reportNode(node, "replay incomplete: " + s.lastIncompleteReason);
        }
    }

    /** Subscribes waiting here go out after a backoff: for retries the node may answer the same way again. */
    void pauseSubscribes(Node node) {
        if (node.retryPaused) {
            return;
        }
        node.retryPaused = true;
        Connection connection = node.connection;
        long delay = s.backoff.delay(Math.min(node.refusedRetries++, 30)).toNanos();
        s.scheduler.schedule(s.guarded("retry subscribe", () -> {
            synchronized (s.lock) {
                if (s.sessions.current(connection)) {
                    node.retryPaused = false;
                    afterSubscribeProgress(node);
                }
            }
        }), delay, TimeUnit.NANOSECONDS);
    }

    /** The session has every event of the subscription up to {@code position} in its partition. */
    void advance(Node node, CursorBook.Position position) {
        node.advance(position);
        if (s.lobWide) {
            s.cursors.advance(position);
        }
    }

    void afterSubscribeProgress(Node node) {
        // nothing in flight any more: the positions held back meanwhile are complete up to where they point
        node.releaseHeld().forEach(position -> advance(node, position));
        flushSubscribes(node);
        boolean idle = !node.settling();
        if (node.resubscribeWanted && idle && !node.retryPaused) {
            node.resubscribeWanted = false; // a refused subscribe, sent again
            sendSubscribe(node, null);
        } else if (s.lobWide && idle) {
            Set<Integer> missing = new TreeSet<>(node.refreshFor);
            node.refreshFor.clear();
            missing.removeAll(node.announced);
            missing.addAll(node.unannounced);
            if (missing.isEmpty()) {
                node.refreshStreak = 0;
            } else {
                requestRefresh(node, "serves " + missing + " it did not announce", missing);
            }
        }
        s.status.reportNode(node, null);
        s.status.updateOverall(null);
    }

    /** {@code target} serves these contacts now: the nodes that moved them there let them go. */
    void finishHandOvers(Node target) {
        for (Node old : List.copyOf(s.nodes.values())) {
            if (old == target || old.handingOver.isEmpty()) {
                continue;
            }
            List<String> done = new ArrayList<>();
            old.handingOver.entrySet().removeIf(entry -> {
                boolean served = entry.getValue().equals(target.url) && target.served.contains(entry.getKey());
                if (served) {
                    done.add(entry.getKey());
                }
                return served;
            });
            if (!done.isEmpty() && old.phase == Phase.OPEN) {
                s.sessions.unsubscribe(old, done);
            }
        }
        s.routing.dropIdleContactNodes();
    }
}
