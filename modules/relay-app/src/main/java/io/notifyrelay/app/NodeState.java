package io.notifyrelay.app;

import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.routing.ContactPartitioner;
import io.notifyrelay.core.routing.RouteTable;
import io.notifyrelay.kafka.TopicMetadata;
import io.notifyrelay.websocket.RelayWebSocketServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node as its listener and endpoints see it while it is being built. The listener must be bound before the
 * advertised URL (and so the group member's client id) is known, so it starts first and reads the Kafka side
 * through this object: {@link #listening} and then {@link #attach} each happen once, in that order. Until the
 * Kafka side is attached the node is not ready, alive, owns nothing and knows the start-up partition count.
 */
final class NodeState {

    private final TopicMetadata topic;
    private final NodeMode mode;
    private final ContactPartitioner partitioner;
    private final int maxPresenceContacts;
    private volatile RelayWebSocketServer server;
    private volatile String advertisedUrl;
    private volatile KafkaSide kafka;
    private final AtomicBoolean stopped = new AtomicBoolean();

    NodeState(TopicMetadata topic, NodeMode mode, ContactPartitioner partitioner, int maxPresenceContacts) {
        this.topic = topic;
        this.mode = mode;
        this.partitioner = partitioner;
        this.maxPresenceContacts = maxPresenceContacts;
    }

    /** Step 2: the listener is bound and the URL other nodes advertise for this one is known. */
    void listening(RelayWebSocketServer boundServer, String url) {
        if (server != null) {
            throw new IllegalStateException("listener already set");
        }
        this.advertisedUrl = url;
        this.server = boundServer;
    }

    /** Step 3: the consumers, the route tracker and the replayer exist. */
    void attach(KafkaSide kafkaSide) {
        if (server == null || kafka != null) {
            throw new IllegalStateException("the Kafka side is attached once, after the listener");
        }
        this.kafka = kafkaSide;
    }

    TopicMetadata topic() {
        return topic;
    }

    NodeMode mode() {
        return mode;
    }

    ContactPartitioner partitioner() {
        return partitioner;
    }

    String webSocketUrl() {
        return advertisedUrl;
    }

    /** The attached Kafka side; only for what cannot happen before start-up finished. */
    KafkaSide kafka() {
        KafkaSide attached = kafka;
        if (attached == null) {
            throw new IllegalStateException("the node is still starting");
        }
        return attached;
    }

    boolean attached() {
        return kafka != null;
    }

    private RelayWebSocketServer server() {
        RelayWebSocketServer bound = server;
        if (bound == null) {
            throw new IllegalStateException("the listener is not bound yet");
        }
        return bound;
    }

    /** The topic's partition count now: what the consumer last saw, never less than at start-up. */
    int partitionCount() {
        KafkaSide attached = kafka;
        return attached == null ? topic.partitionCount()
                : Math.max(topic.partitionCount(), attached.deliveryReader().partitionCount());
    }

    Set<Integer> ownedPartitions() {
        KafkaSide attached = kafka;
        return attached == null ? Set.of() : attached.deliveryReader().ownedPartitions();
    }

    /** The group's routes in owner mode; anywhere mode routes no session. */
    RouteTable routes() {
        KafkaSide attached = kafka;
        return attached == null || mode != NodeMode.OWNER ? RouteTable.empty(0) : attached.routes().current();
    }

    /** Owner of each partition as /v1/routes tells it. */
    Map<Integer, String> owners() {
        return kafka().nodeRoutes().owners();
    }

    /** Cut off from Kafka while another node is ready: its own view of the group is stale. */
    boolean sendsClientsElsewhere() {
        return kafka().linkWatch().sendingElsewhere();
    }

    boolean kafkaReachable() {
        KafkaSide attached = kafka;
        return attached == null || attached.linkWatch().reachable();
    }

    /** Alive until a consumer loop died; a node still starting is alive. */
    boolean alive() {
        KafkaSide attached = kafka;
        return attached == null || attached.readers().isAlive();
    }

    /** The Kafka client's metrics as of now (lag of new partitions), before a scrape. */
    void refreshMetrics() {
        KafkaSide attached = kafka;
        if (attached != null) {
            attached.readers().refreshMetrics();
        }
    }

    boolean subscribedHere(String lobId, String contactId) {
        return server().hasSubscriber(lobId, contactId);
    }

    NodePresence localPresence(long atMs) {
        return server().presence(atMs, maxPresenceContacts);
    }

    /** Marks the node as stopping; true the first time only. */
    boolean stop() {
        return stopped.compareAndSet(false, true);
    }

    /**
     * Ready while the delivery loop runs, Kafka answers, and, in owner mode, the node owns its share: a group
     * member that owns nothing while there are no more members than partitions is waiting for its assignment.
     * In anywhere mode the delivery reader serves every partition whatever the group member owns.
     */
    boolean isReady() {
        KafkaSide attached = kafka;
        return attached != null && attached.readers().isReady() && !stopped.get() && attached.linkWatch().reachable()
                && !attached.nodeRoutes().assignmentPending();
    }

    Map<String, Object> readinessDetails() {
        KafkaSide attached = kafka;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", mode.wireName());
        if (attached == null) {
            details.put("consumer", "CREATED");
        } else {
            details.putAll(attached.readers().details());
        }
        details.put("kafka", kafkaReachable() ? "reachable" : "unreachable");
        details.put("partitions", new TreeSet<>(ownedPartitions()));
        details.put("eventsConsumed", attached == null ? 0L : attached.delivery().eventsConsumed());
        details.put("eventsDelivered", attached == null ? 0L : attached.delivery().eventsDelivered());
        details.put("recordsRejected", attached == null ? 0 : attached.duties().recordsRejected());
        return details;
    }
}
