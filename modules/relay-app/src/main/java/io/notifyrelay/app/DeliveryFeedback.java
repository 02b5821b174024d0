package io.notifyrelay.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.presence.ClusterPresence;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.core.receipt.Receipt;
import io.notifyrelay.core.receipt.ReceiptOutcome;
import io.notifyrelay.core.receipt.ReceiptSink;
import io.notifyrelay.core.replay.ResumeTarget;
import io.notifyrelay.core.replay.UnexpiredOnly;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.PresenceChannel;
import io.notifyrelay.kafka.ReceiptProducer;
import io.notifyrelay.core.receipt.EventRef;
import io.notifyrelay.websocket.DeliveryOutcomes;
import io.notifyrelay.websocket.HttpEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BiPredicate;
import java.util.function.LongFunction;

/**
 * What closes the loop to the Notify API, built in one place so {@link RelayNode} only calls it: expiry
 * ({@link #expired}, {@link #unexpiredOnly}), receipts and presence.
 *
 * <p>Two kinds of receipts: {@link #delivered} on every node that wrote an event to its sessions (the
 * delivery hook), and {@link #onceForCluster} (expired, undelivered) by exactly one node per event, the one that
 * does the once-per-record duties of its partition.
 */
final class DeliveryFeedback implements AutoCloseable {

    /** Most other nodes whose presence one node holds. */
    static final int MAX_NODES = 1024;
    /** A query walks every subscription: at most once per this long, whatever the request rate. */
    private static final long LOCAL_SNAPSHOT_MAX_AGE_MS = 250;

    private final String node;
    private final Clock clock;
    private final ReceiptSink receipts;
    private final ReceiptProducer producer;
    private final ClusterPresence presence;
    private final PresenceChannel channel;
    private final PresenceEndpoint endpoint;
    /** Null: this node's sessions come from its presence snapshot. */
    private final BiPredicate<String, String> subscribedHere;

    /**
     * @param producer the receipts producer (also {@code receipts}) or null; @param channel the presence channel or
     *                 null; @param presence cluster presence, null when presence is off
     */
    DeliveryFeedback(String node, Clock clock, ReceiptSink receipts, ReceiptProducer producer,
                     ClusterPresence presence, PresenceChannel channel, PresenceEndpoint endpoint) {
        this(node, clock, receipts, producer, presence, channel, endpoint, null);
    }

    /**
     * @param subscribedHere whether a session on this node would receive an event of (lob, contact) right now;
     *                       null: take this node's sessions from its presence counts (at most 250 ms old)
     */
    DeliveryFeedback(String node, Clock clock, ReceiptSink receipts, ReceiptProducer producer,
                     ClusterPresence presence, PresenceChannel channel, PresenceEndpoint endpoint,
                     BiPredicate<String, String> subscribedHere) {
        this.subscribedHere = subscribedHere;
        this.node = node;
        this.clock = clock;
        this.receipts = receipts;
        this.producer = producer;
        this.presence = presence;
        this.channel = channel;
        this.endpoint = endpoint;
    }

    /**
     * Opens the receipts producer and the presence channel as configured (topics created when missing).
     *
     * @param localCounts    this node's sessions at a time (epoch ms), e.g. from the WebSocket server; called on
     *                       the presence thread and by /v1/presence, never before the node is built
     * @param subscribedHere whether a session on this node would receive an event of (lob, contact) now: the
     *                       undelivered decision must not miss a session that subscribed a moment ago
     */
    static DeliveryFeedback open(RelayConfig config, ConsumerSettings settings, ConsumerFactory consumerFactory,
                                 LongFunction<NodePresence> localCounts, BiPredicate<String, String> subscribedHere,
                                 TokenVerifier tokenVerifier, MeterRegistry meterRegistry, Clock clock) {
        RelayConfig.Feedback feedback = config.feedback();
        String node = config.nodeId();
        ReceiptProducer producer = feedback.receiptsTopic() == null ? null : ReceiptProducer.open(settings,
                feedback.receiptsTopic(), node, feedback.receiptsMaxQueued(), meterRegistry);
        ClusterPresence presence = null;
        PresenceChannel channel = null;
        if (feedback.presenceTopic() != null) {
            Duration interval = feedback.presenceInterval();
            presence = new ClusterPresence(node, new LocalSnapshot(localCounts, clock)::get,
                    interval.toMillis() * 3, MAX_NODES);
            channel = PresenceChannel.open(settings, consumerFactory, feedback.presenceTopic(), node, interval,
                    () -> localCounts.apply(clock.millis()), presence,
                    Math.max(1_000, feedback.presenceMaxContacts() * 2), meterRegistry);
        }
        return new DeliveryFeedback(node, clock, producer == null ? ReceiptSink.NONE : producer, producer, presence,
                channel, new PresenceEndpoint(tokenVerifier, presence, config.sessions().maxContactIdBytes(), clock),
                subscribedHere);
    }

    void start() {
        if (channel != null) {
            channel.start();
        }
    }

    /** Whether the event's expiry has passed: it must reach no session. */
    boolean expired(RelayEvent event) {
        return event.isExpiredAt(clock.millis());
    }

    /** The resuming session, wanting no expired event from either replay path. */
    ResumeTarget unexpiredOnly(ResumeTarget target) {
        return new UnexpiredOnly(target, clock);
    }

    /** Delivery hook, on every node: the event was written to {@code recipients} local sessions. */
    void delivered(RelayEvent event, int recipients) {
        if (recipients > 0) {
            receipts.offer(Receipt.of(event, ReceiptOutcome.DELIVERED, recipients, node, clock.millis()));
        }
    }

    /**
     * Once per event for the whole cluster (the node doing its partition's once-per-record duties): expired when
     * it is, else undelivered when no session here ({@code localRecipients}) nor on another node (by presence)
     * was subscribed to it. Without presence no undelivered receipt is made: nobody could tell.
     */
    void onceForCluster(RelayEvent event, int localRecipients) {
        long now = clock.millis();
        if (event.isExpiredAt(now)) {
            receipts.offer(Receipt.of(event, ReceiptOutcome.EXPIRED, 0, node, now));
        } else if (localRecipients == 0 && presence != null
                && !presence.anyElsewhere(event.lobId(), event.contactId(), now)) {
            receipts.offer(Receipt.of(event, ReceiptOutcome.UNDELIVERED, 0, node, now));
        }
    }

    /**
     * {@link #onceForCluster(RelayEvent, int)} for a node that did not deliver the event itself (a group consumer
     * beside the delivery readers): this node's sessions as they are now ({@code subscribedHere}), the others' by
     * presence.
     */
    void onceForCluster(RelayEvent event) {
        long now = clock.millis();
        if (event.isExpiredAt(now)) {
            receipts.offer(Receipt.of(event, ReceiptOutcome.EXPIRED, 0, node, now));
        } else if (presence != null && !subscribedHereOrElsewhere(event, now)) {
            receipts.offer(Receipt.of(event, ReceiptOutcome.UNDELIVERED, 0, node, now));
        }
    }

    private boolean subscribedHereOrElsewhere(RelayEvent event, long now) {
        return subscribedHere == null ? presence.anywhere(event.lobId(), event.contactId(), now)
                : subscribedHere.test(event.lobId(), event.contactId())
                        || presence.anyElsewhere(event.lobId(), event.contactId(), now);
    }

    /** Where sessions report what became of events: dropped and acknowledged receipts. */
    DeliveryOutcomes outcomes() {
        return new DeliveryOutcomes() {
            @Override
            public void dropped(RelayEvent event) {
                receipts.offer(Receipt.of(event, ReceiptOutcome.DROPPED, 1, node, clock.millis()));
            }

            @Override
            public void acknowledged(EventRef event) {
                receipts.offer(Receipt.of(event, ReceiptOutcome.ACKNOWLEDGED, 1, node, clock.millis()));
            }
        };
    }

    /** {@code GET /v1/presence}. */
    HttpEndpoint presenceEndpoint() {
        return endpoint;
    }

    /** Publishes the presence tombstone and hands over the receipts still queued. */
    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
        if (producer != null) {
            producer.close();
        }
    }

    /** This node's counts for queries: recounted at most every {@link #LOCAL_SNAPSHOT_MAX_AGE_MS}. */
    private static final class LocalSnapshot {
        private final LongFunction<NodePresence> counts;
        private final Clock clock;
        private volatile NodePresence last;

        LocalSnapshot(LongFunction<NodePresence> counts, Clock clock) {
            this.counts = counts;
            this.clock = clock;
        }

        NodePresence get() {
            NodePresence snapshot = last;
            long now = clock.millis();
            if (snapshot == null || now - snapshot.atMs() > LOCAL_SNAPSHOT_MAX_AGE_MS || now < snapshot.atMs()) {
                snapshot = counts.apply(now);
                last = snapshot;
            }
            return snapshot;
        }
    }
}
