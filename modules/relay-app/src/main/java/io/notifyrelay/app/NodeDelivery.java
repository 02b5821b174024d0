package io.notifyrelay.app;

import io.notifyrelay.core.DecodeResult;
import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.replay.RecentEvents;
import io.notifyrelay.kafka.GroupRouteTracker;
import io.notifyrelay.kafka.PartitionListener;
import io.notifyrelay.kafka.RecordHandler;
import io.notifyrelay.websocket.RelayWebSocketServer;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the delivery consumer's records and partition changes do to this node's sessions: the record handler and
 * the partition listeners the {@link TopicReaders} call on their loops.
 */
final class NodeDelivery {

    private static final Logger log = LoggerFactory.getLogger(NodeDelivery.class);

    private final NodeMode mode;
    private final RelayWebSocketServer server;
    private final RelayTracing tracing;
    private final RelayMetrics metrics;
    private final DeliveryFeedback feedback;
    private final GroupDuties duties;
    private final GroupRouteTracker routes;
    /** Anywhere mode: the duties of the partitions the local group member handed over; null in owner mode. */
    private final DutyHandover handover;
    /** Filled and read on the consumer thread only. */
    private final RecentEvents recentEvents;
    private final AtomicLong eventsConsumed = new AtomicLong();
    private final AtomicLong eventsDelivered = new AtomicLong();

    NodeDelivery(NodeMode mode, RelayWebSocketServer server, RelayTracing tracing, RelayMetrics metrics,
                 DeliveryFeedback feedback, GroupDuties duties, GroupRouteTracker routes, RecentEvents recentEvents,
                 DutyHandover handover) {
        this.handover = handover;
        this.mode = mode;
        this.server = server;
        this.tracing = tracing;
        this.metrics = metrics;
        this.feedback = feedback;
        this.duties = duties;
        this.routes = routes;
        this.recentEvents = recentEvents;
    }

    long eventsConsumed() {
        return eventsConsumed.get();
    }

    long eventsDelivered() {
        return eventsDelivered.get();
    }

    RecordHandler relay() {
        return new Relay();
    }

    /** Keeps sessions in step with the partitions the delivery consumer gets and loses, and the routes fresh. */
    PartitionListener ownership() {
        return new Ownership();
    }

    /** Anywhere mode's group member: its share changes routes (peers), never what sessions get. */
    PartitionListener groupShare() {
        return new GroupShare();
    }

    private final class Relay implements RecordHandler {
        /** Partitions whose start the handover knows (consumer thread only). */
        private final BitSet started = new BitSet();

        @Override
        public void onBatch(int records, Runnable handleAll) {
            try {
                tracing.batch(records, handleAll);
            } catch (RuntimeException e) {
                log.error("Delivery batch failed", e); // each record's own failures are caught and logged per record
            } finally {
                if (handover != null) {
                    handover.batchDone();
                }
            }
        }

        /** Owner mode's one consumer is the group member too; in anywhere mode, if the handover says so. */
        private boolean dutiesHere(int partition, long offset) {
            return mode == NodeMode.OWNER || handover != null && handover.claim(partition, offset);
        }

        /** One instance: no allocation per event on the hot path. */
        private final ToIntFunction<RelayEvent> relayOne = this::relay;

        @Override
        public void onEvent(RelayEvent event) {
            tracing.process(event, relayOne);
        }

        private int relay(RelayEvent event) {
            boolean onceForCluster = dutiesHere(event.partition(), event.offset());
            eventsConsumed.incrementAndGet();
            metrics.consumed();
            boolean expired = feedback.expired(event);
            int recipients = 0;
            if (!expired) { // past its expirytime it reaches nobody; GroupDuties makes its one expired receipt
                recipients = server.deliver(event);
                feedback.delivered(event, recipients);
            }
            if (recipients == 0 && !expired) {
                metrics.unrouted();
            }
            eventsDelivered.addAndGet(recipients);
            recentEvents.add(event);
            if (onceForCluster) {
                duties.onEvent(event);
            }
            return recipients;
        }

        @Override
        public void onPosition(int partition, long nextOffset) {
            server.deliveryPosition(partition, nextOffset); // socket.io recovery offsets are built from these
            if (handover != null && !started.get(partition)) {
                handover.readerStarts(partition, nextOffset); // first call: where the reader starts
                started.set(partition);
            }
        }

        /** Dead-lettered once for the cluster: here when this node does the record's duties, else skipped. */
        @Override
        public void onRejected(DecodeResult.Rejected rejected) {
            if (dutiesHere(rejected.record().partition(), rejected.record().offset())) {
                duties.onRejected(rejected);
            }
        }
    }

    private final class Ownership implements PartitionListener {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            server.partitionsAssigned(added);
            routes.refreshSoon();
        }

        @Override
        public void onPartitionCountChanged(int previous, int now) {
            server.partitionCountChanged(previous);
            routes.refreshSoon();
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            removed.forEach(recentEvents::forget);
            server.partitionsRevoked(removed);
            routes.refreshSoon();
        }
    }

    private final class GroupShare implements PartitionListener {
        @Override
        public void onAssigned(Set<Integer> added, Set<Integer> nowOwned) {
            routes.refreshSoon();
        }

        @Override
        public void onRevoked(Set<Integer> removed, Set<Integer> nowOwned) {
            routes.refreshSoon();
        }
    }
}
