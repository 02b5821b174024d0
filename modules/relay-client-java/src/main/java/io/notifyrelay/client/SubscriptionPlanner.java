package io.notifyrelay.client;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which node gets which part of the subscription, from the routes: pure functions, no I/O, no state. In the
 * relay's default mode (anywhere) every node serves everything, so the client stays with one node; in owner
 * mode it holds a session with every owner it needs.
 */
final class SubscriptionPlanner {

    private SubscriptionPlanner() {
    }

    /**
     * The node to use in anywhere mode: the first of {@code active} (nodes the client has a session with or is
     * opening one to, in order), else the node that answered the routes, else the first seed.
     */
    static String anywhereNode(List<String> active, Routes routes, String firstSeed) {
        if (!active.isEmpty()) {
            return active.get(0);
        }
        return routes.node() != null ? routes.node() : firstSeed;
    }

    /** LOB-wide: the nodes to hold a session with. */
    static Set<String> lobWideNodes(Routes routes, String anywhereNode) {
        return routes.broadcast() ? Set.of(anywhereNode) : routes.ownerUrls();
    }

    /**
     * LOB-wide, owner mode: partitions the routes give {@code url} that neither its session announced nor any
     * live session covers. The node gained them after its session began: a fresh session replays them.
     */
    static Set<Integer> gainedPartitions(Routes routes, String url, Set<Integer> announced, Set<Integer> covered) {
        if (routes.broadcast()) {
            return Set.of();
        }
        Set<Integer> gained = new TreeSet<>(routes.partitionsOf(url));
        gained.removeAll(announced);
        gained.removeAll(covered);
        return gained;
    }

    /** LOB-wide: whether the routes leave a partition without an owner (ask again soon). */
    static boolean lobWideIncomplete(Routes routes) {
        return !routes.broadcast() && !routes.complete();
    }

    /** LOB-wide: whether the live sessions' announced partitions cover every partition of the topic. */
    static boolean lobWideCovered(int partitionCount, Set<Integer> liveAnnounced) {
        if (partitionCount <= 0) {
            return false;
        }
        for (int partition = 0; partition < partitionCount; partition++) {
            if (!liveAnnounced.contains(partition)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Contacts: the partition of each contact, computed with the partitioner the routes name. Empty when the
     * partitioner is unknown, the partition count is not given, or in anywhere mode (where it does not matter
     * which node serves; a contact's partition is then learnt from its events).
     */
    static Map<String, Integer> partitions(Routes routes, Collection<String> contacts) {
        Partitioners.Partitioner partitioner = Partitioners.byName(routes.partitioner());
        Map<String, Integer> result = new LinkedHashMap<>();
        if (partitioner == null || routes.partitionCount() <= 0 || routes.broadcast()) {
            return result;
        }
        for (String contact : contacts) {
            result.put(contact, partitioner.partitionOf(contact, routes.partitionCount()));
        }
        return result;
    }

    /**
     * Contacts: the node each of {@code unplaced} should be subscribed at, by the partitions known. A contact
     * without an owner yet is left out (ask the routes again). Anywhere mode: {@code anywhereNode}. Unknown
     * partitioner: the node that answered the routes; a wrong guess costs a {@code moved}.
     */
    static Map<String, String> placeContacts(Routes routes, Collection<String> unplaced,
            Map<String, Integer> partitionOf, String anywhereNode) {
        boolean partitionerKnown = Partitioners.byName(routes.partitioner()) != null && routes.partitionCount() > 0;
        Map<String, String> result = new LinkedHashMap<>();
        for (String contact : unplaced) {
            String owner;
            if (routes.broadcast()) {
                owner = anywhereNode;
            } else if (!partitionerKnown) {
                owner = routes.node();
            } else {
                Integer partition = partitionOf.get(contact);
                owner = partition == null ? null : routes.ownerOf(partition);
            }
            if (owner != null) {
                result.put(contact, owner);
            }
        }
        return result;
    }
}
