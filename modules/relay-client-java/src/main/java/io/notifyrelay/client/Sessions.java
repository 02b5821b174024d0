package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * The client's WebSocket sessions with nodes: opening them (token, auth), reading frames, heartbeats, and what
 * happens when one is lost (by close code: backoff, routes, reconnect) or closed for good.
 */
final class Sessions {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());

    private final ClientState s;

    Sessions(ClientState s) {
        this.s = s;
    }

    Node node(String url) {
        return s.nodes.computeIfAbsent(url, Node::new);
    }

    void ensureConnected(Node node) {
        if (node.phase != Phase.IDLE || s.closed || s.failed || s.offline || !s.started) {
            return;
        }
        if (!s.lobWide && !s.assignment.containsValue(node.url)) {
            return;
        }
        node.phase = Phase.CONNECTING;
        if (node.everOpened) {
            s.reconnects++;
        }
        Connection connection = new Connection(node, s);
        node.connection = connection;
        s.status.reportNode(node, null);
        s.scheduler.execute(s.guarded("connect", () -> open(connection)));
    }

    /** Gets a token and opens the WebSocket; on the scheduler thread, without the lock (the provider may block). */
    void open(Connection connection) {
        String token;
        try {
            token = s.tokens.get();
            if (token == null || token.isBlank()) {
                throw new IllegalStateException("token provider returned no token");
            }
        } catch (RuntimeException e) {
            synchronized (s.lock) {
                connectionLost(connection, NotifyRelayClient.ABNORMAL, "token provider failed: " + e);
            }
            return;
        }
        connection.token = token;
        s.transport.open(connection.node.url, s.requestTimeout, connection);
    }

    boolean current(Connection connection) {
        return !s.closed && connection.node.connection == connection
                && s.nodes.get(connection.node.url) == connection.node;
    }

    void onOpen(Connection connection, WebSocketTransport.Socket socket) {
        synchronized (s.lock) {
            if (!current(connection)) {
                socket.abort();
                return;
            }
            Node node = connection.node;
            node.socket = socket;
            node.phase = Phase.AUTHENTICATING;
            node.everOpened = true;
            node.lastHeardNanos = System.nanoTime();
            ObjectNode auth = Frames.JSON.createObjectNode().put("type", "auth").put("token", connection.token);
            String previousSession = s.lastSessionByNode.get(node.url);
            if (previousSession != null) {
                auth.put("previousSession", previousSession);
            }
            send(node, auth.toString());
        }
    }

    void onFrame(Connection connection, String text) {
        JsonNode frame;
        try {
            frame = Frames.JSON.readTree(text);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: frame from {1} is not JSON", s.name, connection.node.url);
            return;
        }
        if (frame == null || !frame.isObject()) {
            return;
        }
        String type = frame.path("type").asText("");
        synchronized (s.lock) {
            if (!current(connection)) {
                return;
            }
            try {
                s.frames.handleFrame(connection.node, type, frame);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, s.name + ": handling a " + type + " frame from "
                        + connection.node.url + " failed; reconnecting", e);
                WebSocketTransport.Socket socket = connection.node.socket;
                connectionLost(connection, NotifyRelayClient.ABNORMAL, "client error: " + e);
                if (socket != null) {
                    socket.abort();
                }
            }
        }
    }

    void heartbeat(Connection connection) {
        WebSocketTransport.Socket toAbort = null;
        synchronized (s.lock) {
            if (!current(connection) || connection.node.socket == null) {
                return;
            }
            Node node = connection.node;
            if (readingHeld()) {
                return;
            }
            long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - node.lastHeardNanos);
            if (silentMs > 2 * node.heartbeatMs + 5000) {
                toAbort = node.socket;
                connectionLost(connection, NotifyRelayClient.ABNORMAL, "nothing heard for " + silentMs + " ms");
            } else {
                send(node, "{\"type\":\"ping\"}");
            }
        }
        if (toAbort != null) {
            toAbort.abort();
        }
    }

    void onClosed(Connection connection, int code, String reason) {
        synchronized (s.lock) {
            connectionLost(connection, code, reason);
        }
    }

    /** The session is gone: forget what it served and reconnect after a backoff, routes first. Lock held. */
    void connectionLost(Connection connection, int code, String reason) {
        if (!current(connection)) {
            return;
        }
        Node node = connection.node;
        boolean resumingWhenLost = node.resumesInFlight > 0;
        if (code == 4429 && node.sessionId != null) {
            s.tooSlowSeen.add(node.sessionId); // counted here; the node's previousClose about it is not counted again
        }
        node.sessionId = null;
        if (!s.lobWide) {
            s.positions.saveContactCursors(node, node.served);
        }
        dropConnection(node);
        s.assignment.values().removeIf(url -> url.equals(node.url)); // routes assign them again
        if (!s.lobWide) {
            node.toSubscribe.clear();
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: session with {1} lost: {2} {3}", s.name, node.url, code, reason);
        if (code == 4403) {
            String why = "subscription refused by " + node.url + " (4403): " + reason;
            s.status.emitError(new ClientError("forbidden", why, node.url, true, Instant.now()));
            s.status.fail(why);
            return;
        }
        long delay;
        if (code == 4429) {
            s.tooSlowCloses++;
            // too slow while live: reconnect at once and resume. Too slow while catching up (the node held
            // back more live events than it may): the same replay again needs a moment, so back off
            if (!resumingWhenLost) {
                node.failures = 0;
            }
            delay = s.backoff.delay(Math.min(node.failures++, 30)).toNanos();
        } else if (code == 1001 || code == 1012 || code == 4503) {
            // the node is going away or cannot reach Kafka (4503): its partitions move; routes tell where
            node.failures = 0;
            delay = s.backoff.delay(0).toNanos();
        } else {
            delay = s.backoff.delay(Math.min(node.failures++, 30)).toNanos();
        }
        node.phase = Phase.BACKOFF;
        node.reconnectTask = s.scheduler.schedule(s.guarded("reconnect", () -> {
            synchronized (s.lock) {
                node.reconnectTask = null;
                if (node.phase == Phase.BACKOFF && !s.offline) {
                    node.phase = Phase.IDLE;
                }
                s.routing.requestRoutes(0);
            }
        }), delay, TimeUnit.NANOSECONDS);
        s.status.reportNode(node, code + (reason == null || reason.isEmpty() ? "" : " " + reason));
        s.status.updateOverall("lost " + node.url);
        s.routing.requestRoutes(s.backoff.delay(0).toNanos()); // other nodes may already serve what it served
    }

    /** Forgets the current connection of this node and everything it served. Lock held. */
    void dropConnection(Node node) {
        node.connection = null;
        node.socket = null;
        if (node.heartbeatTask != null) {
            node.heartbeatTask.cancel(false);
            node.heartbeatTask = null;
        }
        node.resetSubscriptionState();
    }

    /** Drops the connection without a close frame (fault injection); the usual reconnect follows. */
    void abort(Node node, String reason) {
        WebSocketTransport.Socket socket = node.socket;
        Connection connection = node.connection;
        if (connection != null) {
            connectionLost(connection, NotifyRelayClient.ABNORMAL, reason);
        }
        if (socket != null) {
            socket.abort();
        }
    }

    /** Closes the session with this node for good (normal closure) and forgets the node. Lock held. */
    void closeNode(Node node, String reason) {
        s.nodes.remove(node.url);
        node.connection = null;
        if (node.reconnectTask != null) {
            node.reconnectTask.cancel(false);
        }
        if (node.heartbeatTask != null) {
            node.heartbeatTask.cancel(false);
        }
        WebSocketTransport.Socket socket = node.socket;
        node.socket = null;
        if (socket != null) {
            socket.close(reason);
        }
        if (node.reported != null && node.reported != ConnectionState.CLOSED) {
            node.reported = ConnectionState.CLOSED;
            s.status.emit(new StatusChange(node.url, ConnectionState.CLOSED, reason, Instant.now()));
        }
    }

    void send(Node node, String text) {
        if (node.socket != null) {
            node.socket.send(text);
        }
    }

    void unsubscribe(Node node, Collection<String> contacts) {
        ObjectNode frame = Frames.JSON.createObjectNode().put("type", "unsubscribe");
        ArrayNode array = frame.putArray("contacts");
        contacts.forEach(array::add);
        send(node, frame.toString());
    }

    /** Reading held back (a stall, a listener backlog) goes on, unless it is still held back. */
    void releaseOwedReads() {
        List<WebSocketTransport.Socket> owed = new ArrayList<>();
        synchronized (s.lock) {
            if (readingHeld()) {
                return;
            }
            for (Node node : s.nodes.values()) {
                if (node.socket != null) {
                    owed.add(node.socket);
                }
                node.lastHeardNanos = System.nanoTime(); // silence while we did not read is ours, not the node's
            }
        }
        owed.forEach(WebSocketTransport.Socket::readOn);
    }

    /** Lock held. */
    boolean readingHeld() {
        return s.stalled || s.listeners.backlogged();
    }
}
