package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.Cursor;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.util.Headers;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.xnio.IoUtils;

/**
 * A scripted relay node for protocol tests: the real frame shapes and close codes, with behaviour a test sets
 * (which partitions it owns, whether it resumes, how it answers auth). Several share one {@link Cluster}, which
 * answers {@code GET /v1/routes} for all of them.
 */
final class FakeRelay implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String EPOCH = "fake-epoch";

    enum Resume {
        /** Answers a resume with recovered: false, reason resume_unavailable, like a relay that cannot replay. */
        UNAVAILABLE,
        /** Puts recovered: true into subscribed (the replay, if any, is the test's business). */
        RECOVERED,
        /** Does not answer a resume: the test replays and then sends subscribed itself, as a relay does. */
        HELD
    }

    /** Partition owners shared by the fake nodes, as {@code GET /v1/routes} reports them. */
    static final class Cluster {
        final int partitionCount;
        final Map<Integer, String> owners = new ConcurrentHashMap<>();

        Cluster(int partitionCount) {
            this.partitionCount = partitionCount;
        }

        void own(FakeRelay relay, Integer... partitions) {
            for (Integer partition : partitions) {
                owners.put(partition, relay.url());
            }
        }

        String routes(String answeringNode) {
            ObjectNode body = JSON.createObjectNode();
            body.put("topic", "notify.events");
            body.put("partitionCount", partitionCount);
            body.put("partitioner", "murmur2");
            body.put("mode", "group");
            body.put("node", answeringNode);
            ArrayNode partitions = body.putArray("partitions");
            for (int partition = 0; partition < partitionCount; partition++) {
                ObjectNode entry = partitions.addObject().put("partition", partition);
                String owner = owners.get(partition);
                if (owner == null) {
                    entry.putNull("owner");
                } else {
                    entry.put("owner", owner);
                }
            }
            return body.toString();
        }

        Set<Integer> ownedBy(FakeRelay relay) {
            Set<Integer> result = new TreeSet<>();
            owners.forEach((partition, owner) -> {
                if (owner.equals(relay.url())) {
                    result.add(partition);
                }
            });
            return result;
        }
    }

    /** One client connection to this fake node. */
    final class Session {
        final WebSocketChannel channel;
        final List<JsonNode> received = new CopyOnWriteArrayList<>();

        Session(WebSocketChannel channel) {
            this.channel = channel;
        }

        void send(String json) {
            WebSockets.sendText(json, channel, null);
        }

        void event(String id, int partition, long offset, String lob, String contact) {
            send(eventFrame(id, partition, offset, lob, contact));
        }

        void close(int code, String reason) {
            WebSockets.sendClose(code, reason, channel, null);
        }

        void abort() {
            IoUtils.safeClose(channel);
        }

        List<JsonNode> framesOfType(String type) {
            return received.stream().filter(f -> type.equals(f.path("type").asText())).toList();
        }

        List<String> cursorsOfSubscribe(int index) {
            List<String> result = new ArrayList<>();
            framesOfType("subscribe").get(index).path("cursors").forEach(c -> result.add(c.asText()));
            return result;
        }
    }

    private final Cluster cluster;
    private final Undertow server;
    final List<Session> sessions = new CopyOnWriteArrayList<>();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    volatile Resume resume = Resume.RECOVERED;
    /** Decides auth: return 0 to accept, else the close code. */
    volatile Predicate<String> acceptToken = token -> true;
    volatile int authCloseCode = 4401;
    /** Called after the default answer to a subscribe. */
    volatile BiConsumer<Session, JsonNode> onSubscribe = (session, frame) -> { };
    /** Close code to answer a subscribe with instead of subscribing (0: subscribe). */
    volatile int subscribeCloseCode;
    /** How many subscribes to refuse with resume_in_progress, as a node still finishing a resume does. */
    volatile int refuseSubscribes;
    /** Says in welcome that it closed the session the auth names as {@code previousSession} as too slow. */
    volatile boolean closedAsTooSlow;
    /** Answers this many subscribes listing the contacts as served but none of their partitions. */
    volatile int omitPartitions;

    FakeRelay(Cluster cluster) {
        this.cluster = cluster;
        this.server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setHandler(Handlers.path()
                        .addExactPath("/v1/routes", exchange -> {
                            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                            exchange.getResponseSender().send(cluster.routes(url()));
                        })
                        .addExactPath("/v1/ws", Handlers.websocket((exchange, channel) -> {
                            Session session = new Session(channel);
                            sessions.add(session);
                            channel.getReceiveSetter().set(new AbstractReceiveListener() {
                                @Override
                                protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                                    onFrame(session, message.getData());
                                }
                            });
                            channel.resumeReceives();
                        })))
                .build();
        server.start();
    }

    int port() {
        return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    String url() {
        return "ws://127.0.0.1:" + port() + "/v1/ws";
    }

    Session session(int index) {
        return sessions.get(index);
    }

    Session lastSession() {
        return sessions.get(sessions.size() - 1);
    }

    static String cursor(int partition, long offset) {
        return new Cursor(EPOCH, partition, offset).encode();
    }

    static String eventFrame(String id, int partition, long offset, String lob, String contact) {
        ObjectNode frame = JSON.createObjectNode();
        frame.put("type", "event").put("id", id).put("cursor", cursor(partition, offset)).put("lobId", lob)
                .put("contactId", contact);
        frame.putObject("data").put("payloadType", "CONNECTION_RESPONSE").putObject("payload")
                .put("contactId", contact).put("state", "accepted-invitation");
        return frame.toString();
    }

    private void onFrame(Session session, String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        session.received.add(frame);
        switch (frame.path("type").asText()) {
            case "auth" -> {
                String token = frame.path("token").asText();
                tokens.add(token);
                if (!acceptToken.test(token)) {
                    session.close(authCloseCode, "token refused");
                    return;
                }
                ObjectNode welcome = JSON.createObjectNode().put("type", "welcome").put("sessionId", "s-" + sessions.size())
                        .put("node", "fake-" + port()).put("heartbeatMs", 25000);
                if (closedAsTooSlow && frame.has("previousSession")) {
                    welcome.putObject("previousClose").put("code", 4429).put("reason", "too slow")
                            .put("at", "2026-01-01T00:00:00Z");
                }
                session.send(welcome.toString());
            }
            case "subscribe" -> answerSubscribe(session, frame);
            case "ping" -> session.send("{\"type\":\"pong\"}");
            default -> { }
        }
    }

    private void answerSubscribe(Session session, JsonNode frame) {
        if (refuseSubscribes > 0) {
            refuseSubscribes--;
            session.send(JSON.createObjectNode().put("type", "error").put("code", "resume_in_progress")
                    .put("message", "wait for subscribed before subscribing again").toString());
            return;
        }
        if (subscribeCloseCode != 0) {
            session.close(subscribeCloseCode, "not allowed");
            return;
        }
        boolean resuming = frame.has("cursors") || frame.has("since");
        if (resuming && resume == Resume.HELD) {
            onSubscribe.accept(session, frame);
            return;
        }
        Set<Integer> owned = cluster.ownedBy(this);
        ObjectNode answer = JSON.createObjectNode().put("type", "subscribed");
        Map<String, Set<String>> movedContacts = new LinkedHashMap<>();
        Map<String, Set<Integer>> movedPartitions = new LinkedHashMap<>();
        if (!frame.has("contacts")) {
            answer.put("lobWide", true);
            ArrayNode partitions = answer.putArray("partitions");
            owned.forEach(partitions::add);
        } else {
            answer.put("lobWide", false);
            ArrayNode contacts = answer.putArray("contacts");
            Set<Integer> servedPartitions = new TreeSet<>();
            for (JsonNode contactNode : frame.path("contacts")) {
                String contact = contactNode.asText();
                int partition = Partitioners.murmur2Partition(contact, cluster.partitionCount);
                if (owned.contains(partition)) {
                    contacts.add(contact);
                    servedPartitions.add(partition);
                } else {
                    String owner = cluster.owners.getOrDefault(partition, "");
                    movedContacts.computeIfAbsent(owner, o -> new LinkedHashSet<>()).add(contact);
                    movedPartitions.computeIfAbsent(owner, o -> new TreeSet<>()).add(partition);
                }
            }
            ArrayNode partitions = answer.putArray("partitions");
            if (omitPartitions > 0) {
                omitPartitions--;
            } else {
                servedPartitions.forEach(partitions::add);
            }
        }
        if (resuming && resume == Resume.RECOVERED) {
            answer.put("recovered", true);
        } else if (resuming && resume == Resume.UNAVAILABLE) {
            answer.put("recovered", false).put("reason", "resume_unavailable");
        }
        session.send(answer.toString());
        movedContacts.forEach((owner, contacts) -> session.send(movedFrame(contacts, movedPartitions.get(owner),
                owner.isEmpty() ? null : owner)));
        onSubscribe.accept(session, frame);
    }

    static String movedFrame(Set<String> contacts, Set<Integer> partitions, String url) {
        ObjectNode moved = JSON.createObjectNode().put("type", "moved");
        ArrayNode contactArray = moved.putArray("contacts");
        contacts.forEach(contactArray::add);
        ArrayNode partitionArray = moved.putArray("partitions");
        partitions.forEach(partitionArray::add);
        if (url == null) {
            moved.putNull("url");
        } else {
            moved.put("url", url);
        }
        return moved.toString();
    }

    @Override
    public void close() {
        for (Session session : sessions) {
            IoUtils.safeClose(session.channel);
        }
        server.stop();
    }
}
