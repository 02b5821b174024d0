package io.notifyrelay.core.presence;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * Sessions of the whole cluster: this node's own counts, live, plus the last snapshot every other node
 * published. A snapshot older than {@code staleAfterMs} (by its own {@code at}) is a node that stopped without
 * its tombstone, and counts no more. Thread-safe: the presence reader updates, HTTP workers and the consumer
 * thread read.
 */
public final class ClusterPresence {

    /** The answer to "who is online": {@code nodes} names each node with at least one such session. */
    public record Answer(String lobId, String contactId, int sessions, Map<String, Integer> nodes, long asOfMs) {
    }

    private final String self;
    private final Supplier<NodePresence> local;
    private final long staleAfterMs;
    private final int maxNodes;
    private final ConcurrentMap<String, NodePresence> others = new ConcurrentHashMap<>();

    /**
     * @param local    this node's counts now (the presence reader skips this node's own records)
     * @param maxNodes most other nodes remembered; snapshots of more are ignored
     */
    public ClusterPresence(String self, Supplier<NodePresence> local, long staleAfterMs, int maxNodes) {
        this.self = self;
        this.local = local;
        this.staleAfterMs = staleAfterMs;
        this.maxNodes = maxNodes;
    }

    /** A node's newest snapshot, or its tombstone (null) when it stopped. */
    public void update(String node, NodePresence snapshot) {
        if (node == null || node.equals(self)) {
            return;
        }
        if (snapshot == null) {
            others.remove(node);
        } else if (others.containsKey(node) || others.size() < maxNodes) {
            others.merge(node, snapshot, (old, now) -> now.atMs() >= old.atMs() ? now : old);
        }
    }

    /** Sessions cluster-wide that receive events of {@code lobId} (for {@code contactId}; null: any contact). */
    public Answer query(String lobId, String contactId, long nowMs) {
        Map<String, Integer> nodes = new TreeMap<>();
        long asOf = nowMs;
        int total = add(nodes, local.get(), lobId, contactId);
        for (NodePresence snapshot : others.values()) {
            if (nowMs - snapshot.atMs() > staleAfterMs) {
                continue;
            }
            int added = add(nodes, snapshot, lobId, contactId);
            total += added;
            asOf = Math.min(asOf, snapshot.atMs());
        }
        return new Answer(lobId, contactId, total, nodes, asOf);
    }

    /** Whether any other node (by its last fresh snapshot) has a session for (lobId, contactId). */
    public boolean anyElsewhere(String lobId, String contactId, long nowMs) {
        for (NodePresence snapshot : others.values()) {
            NodePresence.Lob lob = snapshot.lobs().get(lobId);
            if (lob != null && nowMs - snapshot.atMs() <= staleAfterMs
                    && (lob.sessionsFor(contactId) > 0 || (snapshot.truncated() && lob.sessions() > 0))) {
                return true; // a truncated snapshot may have left the contact out: assume it is there
            }
        }
        return false;
    }

    /** Whether any node, this one included (its counts at most a moment old), has a session for (lobId, contactId). */
    public boolean anywhere(String lobId, String contactId, long nowMs) {
        NodePresence.Lob here = local.get().lobs().get(lobId);
        return (here != null && here.sessionsFor(contactId) > 0) || anyElsewhere(lobId, contactId, nowMs);
    }

    /** Other nodes with a snapshot held (fresh or not). */
    public int knownNodes() {
        return others.size();
    }

    private static int add(Map<String, Integer> nodes, NodePresence snapshot, String lobId, String contactId) {
        NodePresence.Lob lob = snapshot.lobs().get(lobId);
        int count = lob == null ? 0 : lob.sessionsFor(contactId);
        if (count > 0) {
            nodes.merge(snapshot.node(), count, Integer::sum);
        }
        return count;
    }
}
