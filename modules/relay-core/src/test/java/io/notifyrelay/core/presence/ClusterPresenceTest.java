package io.notifyrelay.core.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ClusterPresenceTest {

    private static final long NOW = 1_000_000L;

    private static NodePresence node(String name, long at, int lobWide, Map<String, Integer> contacts) {
        int sessions = lobWide + contacts.values().stream().mapToInt(Integer::intValue).sum();
        return new NodePresence(name, at, Map.of("L", new NodePresence.Lob(sessions, lobWide, contacts)), false);
    }

    private final AtomicReference<NodePresence> local = new AtomicReference<>(node("self", NOW, 1, Map.of()));
    private final ClusterPresence cluster = new ClusterPresence("self", local::get, 6_000, 3);

    @Test
    void addsThisNodeLiveAndTheOthersSnapshots() {
        cluster.update("b", node("b", NOW - 1000, 0, Map.of("c1", 2)));

        ClusterPresence.Answer lob = cluster.query("L", null, NOW);
        ClusterPresence.Answer contact = cluster.query("L", "c1", NOW);
        ClusterPresence.Answer other = cluster.query("L", "c2", NOW);

        assertEquals(3, lob.sessions());
        assertEquals(Map.of("self", 1, "b", 2), lob.nodes());
        assertEquals(NOW - 1000, lob.asOfMs(), "as old as the oldest snapshot used");
        assertEquals(3, contact.sessions());
        assertEquals(Map.of("self", 1), other.nodes());
        assertEquals(0, cluster.query("nobody", null, NOW).sessions());
    }

    @Test
    void aTombstoneOrAStaleSnapshotCountsNoMore() {
        cluster.update("b", node("b", NOW - 1000, 1, Map.of()));
        cluster.update("dead", node("dead", NOW - 7000, 5, Map.of()));
        assertEquals(2, cluster.query("L", null, NOW).sessions(), "dead node aged out");
        assertFalse(cluster.anyElsewhere("L", "c", NOW + 6000), "b aged out too by then");

        assertTrue(cluster.anyElsewhere("L", "c", NOW));
        cluster.update("b", null);
        assertFalse(cluster.anyElsewhere("L", "c", NOW));
    }

    @Test
    void anOlderSnapshotNeverReplacesANewerOneAndOwnRecordsAreIgnored() {
        cluster.update("b", node("b", NOW, 1, Map.of()));
        cluster.update("b", node("b", NOW - 500, 0, Map.of()));
        cluster.update("self", node("self", NOW, 9, Map.of()));

        assertEquals(2, cluster.query("L", null, NOW).sessions());
    }

    @Test
    void remembersAtMostMaxNodes() {
        for (int i = 0; i < 10; i++) {
            cluster.update("n" + i, node("n" + i, NOW, 1, Map.of()));
        }
        assertEquals(3, cluster.knownNodes());
    }

    @Test
    void aTruncatedSnapshotWithSessionsOfTheLobMayHoldTheContact() {
        cluster.update("b", new NodePresence("b", NOW, Map.of("L", new NodePresence.Lob(4, 0, Map.of())), true));
        assertTrue(cluster.anyElsewhere("L", "unlisted", NOW));
    }

    @Test
    void snapshotsRoundTripThroughJsonAndReadingIsBounded() {
        NodePresence snapshot = node("b", NOW, 1, Map.of("c1", 2, "c2", 1));
        assertEquals(snapshot, NodePresence.fromJson(snapshot.toJson(), 100).orElseThrow());

        NodePresence bounded = NodePresence.fromJson(snapshot.toJson(), 2).orElseThrow();
        assertTrue(bounded.truncated());
        assertEquals(1, bounded.lobs().get("L").contacts().size());

        assertTrue(NodePresence.fromJson("not json".getBytes(StandardCharsets.UTF_8), 10).isEmpty());
        assertTrue(NodePresence.fromJson("{\"node\":1}".getBytes(StandardCharsets.UTF_8), 10).isEmpty());
    }
}
