package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import io.notifyrelay.client.NodeSession.Pending;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * The frames a node sends, one at a time under the client's lock: {@code welcome}, {@code event} (cursor,
 * dedupe, listener, acknowledgement), {@code moved}, {@code error} and {@code status}; {@code subscribed} goes to
 * {@link Subscriptions}.
 */
final class FrameHandler {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());

    private final ClientState s;

    FrameHandler(ClientState s) {
        this.s = s;
    }

    void handleFrame(Node node, String type, JsonNode frame) {
        node.lastHeardNanos = System.nanoTime();
        switch (type) {
            case "event" -> onEvent(node, frame);
            case "welcome" -> onWelcome(node, frame);
            case "subscribed" -> s.subscriptions.onSubscribed(node, frame);
            case "moved" -> onMoved(node, frame);
            case "error" -> onError(node, frame);
            case "status" -> {
                node.kafkaUnreachable = "unreachable".equals(frame.path("kafka").asText());
                s.status.updateOverall(node.url + (node.kafkaUnreachable ? " cannot reach Kafka" : " reaches Kafka"));
            }
            default -> { } // pong, unsubscribed, token_expiring (the provider gives a fresh token per connection)
        }
    }

    void onWelcome(Node node, JsonNode frame) {
        String sessionId = Frames.text(frame, "sessionId");
        if (sessionId != null && sessionId.length() <= NotifyRelayClient.MAX_SESSION_ID) {
            node.sessionId = sessionId;
            String previous = s.lastSessionByNode.put(node.url, sessionId);
            JsonNode previousClose = frame.path("previousClose");
            if (previous != null && previousClose.isObject()) {
                previouslyClosed(node, previous, previousClose);
            }
        }
        node.phase = Phase.OPEN;
        node.kafkaUnreachable = false;
        node.resetSubscriptionState();
        long heartbeatMs = Math.max(1000, Math.min(120_000, frame.path("heartbeatMs").asLong(25_000)));
        node.heartbeatMs = heartbeatMs;
        Connection connection = node.connection;
        node.heartbeatTask = s.scheduler.scheduleAtFixedRate(
                s.guarded("heartbeat", () -> s.sessions.heartbeat(connection)),
                heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
        if (s.lobWide) {
            s.subscriptions.sendSubscribe(node, null);
        } else {
            node.toSubscribe.clear();
            s.assignment.forEach((contact, url) -> {
                if (url.equals(node.url)) {
                    node.toSubscribe.add(contact);
                }
            });
            if (node.toSubscribe.isEmpty()) {
                s.sessions.closeNode(node, "no contacts left");
                s.status.updateOverall(null);
                return;
            }
            node.initialSubscribe = true;
            s.subscriptions.flushSubscribes(node);
        }
        s.status.reportNode(node, null);
    }

    /**
     * The node closed our previous session as too slow. The client resumes from its cursors as after any close;
     * the application learns why, and the close is counted once even if the client only saw a 1006.
     */
    void previouslyClosed(Node node, String previousSession, JsonNode previousClose) {
        if (!s.tooSlowSeen.remove(previousSession)) {
            s.tooSlowCloses++;
        }
        String message = "the relay closed the previous session (" + previousClose.path("code").asInt() + " "
                + previousClose.path("reason").asText("") + ") at " + previousClose.path("at").asText("?")
                + ": it read too slowly; resumed from its cursors";
        LOG.log(System.Logger.Level.INFO, "{0}: {1}: {2}", s.name, node.url, message);
        s.status.emitError(new ClientError("closed_too_slow", message, node.url, false, Instant.now()));
    }

    void onEvent(Node node, JsonNode frame) {
        String id = Frames.text(frame, "id");
        if (id == null) {
            return;
        }
        String cursor = Frames.text(frame, "cursor");
        String contactId = Frames.text(frame, "contactId");
        CursorBook.Position position = CursorBook.decode(cursor).orElse(null);
        if (position != null) {
            int partition = position.partition();
            node.delivered.add(partition);
            if (!s.lobWide && contactId != null && s.contacts.contains(contactId)) {
                s.contactPartition.putIfAbsent(contactId, partition);
            }
            if (node.settling()) {
                // replayed or live for a subscription being set up: the stream from our cursor is complete
                // only once the node has answered (and replayed); keep the position until then
                node.hold(position);
            } else if (node.announced.contains(partition)) {
                s.subscriptions.advance(node, position);
            } else if (s.lobWide) {
                // a partition this node did not announce (it just gained it): there may be a gap before this
                // event. Not shown now: a fresh session replays the partition from our cursor, this event
                // included, in order
                if (node.unannounced.add(partition)) {
                    s.subscriptions.requestRefresh(node, "delivers partition " + partition + " it did not announce",
                            Set.of(partition));
                }
                return;
            } else if (contactId != null && node.served.remove(contactId)) {
                // a contact served here on a partition the node does not announce: the same doubt. Not shown;
                // subscribed again, from its cursor
                node.toSubscribe.add(contactId);
                s.subscriptions.pauseSubscribes(node);
                return;
            }
        }
        if (!s.lobWide && (contactId == null || !s.contacts.contains(contactId))) {
            s.outsideSubscription++; // unsubscribed a moment ago
            return;
        }
        if (!s.dedupe.firstTime(id)) {
            s.duplicatesDropped++;
            return;
        }
        s.eventsDelivered++;
        RelayEvent event = new RelayEvent(id, cursor, Frames.text(frame, "lobId"), contactId, frame.get("data"),
                Instant.now(), node.url);
        if (!s.ack) {
            s.listeners.submit(() -> s.eventListener.accept(event));
            return;
        }
        Connection connection = node.connection;
        s.listeners.submit(() -> {
            s.eventListener.accept(event); // a listener that throws did not handle it: no acknowledgement
            acknowledge(connection, id);
        });
    }

    /** On the listener executor: the ack goes on the session that delivered the event, the only one that takes it. */
    void acknowledge(Connection connection, String id) {
        synchronized (s.lock) {
            if (s.sessions.current(connection)) {
                ObjectNode frame = Frames.JSON.createObjectNode().put("type", "ack");
                frame.putArray("ids").add(id);
                s.sessions.send(connection.node, frame.toString());
            }
        }
    }

    void onMoved(Node node, JsonNode frame) {
        Set<Integer> partitions = Frames.ints(frame.path("partitions"));
        Set<String> movedContacts = Frames.strings(frame.path("contacts"));
        String url = Frames.text(frame, "url");
        if (!s.lobWide) {
            s.positions.saveContactCursors(node, movedContacts);
        }
        node.partitionsMoved(partitions);
        if (!s.lobWide && url != null && !url.equals(node.url)) {
            // the node keeps serving them (e.g. what producers with old metadata still write to the old
            // partition): stay subscribed here until the new node has answered subscribed
            movedContacts.stream().filter(node.served::contains).forEach(c -> node.handingOver.put(c, url));
        }
        node.served.removeAll(movedContacts);
        if (url != null) {
            s.movesFollowed++;
            s.knownUrls.add(url);
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1} moved partitions {2} contacts {3} to {4}", s.name, node.url,
                partitions, movedContacts, url);
        if (s.lobWide) {
            if (url != null) {
                Node target = s.sessions.node(url);
                s.sessions.ensureConnected(target);
                if (!target.announced.containsAll(partitions)) {
                    s.subscriptions.requestRefresh(target, "partitions " + partitions + " moved to it", partitions);
                }
            } else {
                s.routing.requestRoutesWithBackoff();
            }
        } else {
            for (String contact : movedContacts) {
                if (!s.contacts.contains(contact)) {
                    continue;
                }
                if (url != null) {
                    s.routing.assign(contact, url);
                } else if (node.url.equals(s.assignment.get(contact))) {
                    s.assignment.remove(contact);
                }
            }
            if (url != null) {
                Node target = s.sessions.node(url);
                s.sessions.ensureConnected(target);
                s.subscriptions.flushSubscribes(target);
            } else {
                s.routing.requestRoutesWithBackoff();
            }
            s.routing.dropIdleContactNodes();
        }
        s.status.reportNode(node, "moved");
        s.status.updateOverall("moved");
    }

    void onError(Node node, JsonNode frame) {
        String code = frame.path("code").asText("");
        String message = frame.path("message").asText("");
        switch (code) {
            case "resume_in_progress" -> {
                // the node refused our latest subscribe: it was still finishing the previous one. Try again
                // once nothing is in flight, after a short pause (the refusal can race the previous answer)
                Pending refused = node.refused(true);
                if (refused != null && refused.resume()) {
                    s.resumes--;
                }
                if (s.lobWide) {
                    node.resubscribeWanted = true;
                } else if (refused != null) {
                    for (String contact : refused.contacts()) {
                        if (node.url.equals(s.assignment.get(contact))) {
                            node.toSubscribe.add(contact);
                        }
                    }
                }
                Connection connection = node.connection;
                long delay = s.backoff.delay(Math.min(node.refusedRetries++, 30)).toNanos();
                node.retryPaused = true;
                s.scheduler.schedule(s.guarded("retry refused subscribe", () -> {
                    synchronized (s.lock) {
                        if (s.sessions.current(connection)) {
                            node.retryPaused = false;
                            s.subscriptions.afterSubscribeProgress(node);
                        }
                    }
                }), delay, TimeUnit.NANOSECONDS);
            }
            case "too_many_subscriptions" -> {
                // the subscribe was refused instead of answered
                node.refused(false);
                LOG.log(System.Logger.Level.WARNING, "{0}: {1} refused a subscription: {2}", s.name, node.url, message);
                s.status.reportNode(node, "too_many_subscriptions: " + message);
            }
            default -> LOG.log(System.Logger.Level.WARNING, "{0}: error from {1}: {2} {3}", s.name, node.url, code,
                    message);
        }
        s.status.emitError(new ClientError(code, message, node.url, false, Instant.now()));
    }
}
