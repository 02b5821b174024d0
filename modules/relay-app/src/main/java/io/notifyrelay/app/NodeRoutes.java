package io.notifyrelay.app;

import io.notifyrelay.core.routing.RouteTable;
import io.notifyrelay.kafka.GroupRouteTracker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What this node tells about the cluster: the owner of each partition ({@code /v1/routes}), its peers (the
 * group's members) and, in owner mode, when its partitions have new owners at shutdown. The group's view comes
 * from {@link GroupRouteTracker}; this node's own partitions from its consumer, which is fresher.
 */
final class NodeRoutes {

    private final NodeMode mode;
    private final GroupRouteTracker tracker;
    private final String selfUrl;
    private final IntSupplier partitionCount;
    private final Supplier<Set<Integer>> owned;
    private final BooleanSupplier kafkaReachable;

    NodeRoutes(NodeMode mode, GroupRouteTracker tracker, String selfUrl, IntSupplier partitionCount,
               Supplier<Set<Integer>> owned, BooleanSupplier kafkaReachable) {
        this.mode = mode;
        this.tracker = tracker;
        this.selfUrl = selfUrl;
        this.partitionCount = partitionCount;
        this.owned = owned;
        this.kafkaReachable = kafkaReachable;
    }

    /** Owner of each partition: any node in anywhere mode; else this node for its own, the group's view for the rest. */
    Map<Integer, String> owners() {
        Map<Integer, String> owners = new LinkedHashMap<>();
        RouteTable table = tracker.current();
        Set<Integer> mine = owned.get();
        for (int partition = 0, count = partitionCount.getAsInt(); partition < count; partition++) {
            if (mode == NodeMode.ANYWHERE) {
                owners.put(partition, RoutesEndpoint.ANY);
            } else if (mine.contains(partition) && kafkaReachable.getAsBoolean()) {
                // a node cut off from Kafka does not name itself: its partitions move once the group notices
                owners.put(partition, selfUrl);
            } else {
                owners.put(partition, table.ownerOf(partition).filter(url -> !url.equals(selfUrl)).orElse(null));
            }
        }
        return owners;
    }

    /** The other nodes this node knows of: the members of the group (and owners) at its last look. */
    Set<String> peerUrls() {
        Set<String> peers = new TreeSet<>(tracker.memberUrls());
        peers.addAll(tracker.current().owners().values());
        peers.remove(selfUrl);
        return peers;
    }

    /** Owner mode: a member that owns nothing while there are no more members than partitions awaits its share. */
    boolean assignmentPending() {
        return mode == NodeMode.OWNER && owned.get().isEmpty() && tracker.members() > 0
                && tracker.members() <= partitionCount.getAsInt();
    }

    boolean otherOwnersExist() {
        return tracker.current().owners().values().stream().anyMatch(url -> !url.equals(selfUrl));
    }

    /** Waits (bounded) until the group shows another owner for every partition, so sessions can be moved. */
    boolean awaitNewOwners(long deadlineNanos) {
        tracker.refreshSoon();
        while (System.nanoTime() < deadlineNanos - Duration.ofSeconds(1).toNanos()) {
            RouteTable table = tracker.current();
            boolean allMoved = true;
            for (int partition = 0, count = partitionCount.getAsInt(); partition < count; partition++) {
                String owner = table.ownerOf(partition).orElse(null);
                if (owner == null || owner.equals(selfUrl)) {
                    allMoved = false;
                    break;
                }
            }
            if (allMoved) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // the tracker refreshes in the background
        }
        return false;
    }
}
