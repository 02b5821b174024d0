package io.notifyrelay.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubscriptionPlannerTest {

    private static final String A = "ws://a:1/v1/ws";
    private static final String B = "ws://b:2/v1/ws";
    private static final String SEED = "ws://seed:3/v1/ws";

    private static Routes owners(Map<Integer, String> owners) {
        return new Routes("t", owners.size(), "murmur2", "group", A, owners);
    }

    private static Routes anywhere() {
        return new Routes("t", 2, "murmur2", "anywhere", B, Map.of(0, Routes.ANY, 1, Routes.ANY));
    }

    @Test
    void anywhereModeKeepsOneNodeTheOneInUseFirst() {
        assertEquals(A, SubscriptionPlanner.anywhereNode(List.of(A), anywhere(), SEED));
        assertEquals(B, SubscriptionPlanner.anywhereNode(List.of(), anywhere(), SEED), "the node that answered");
        Routes noNode = new Routes("t", 1, "murmur2", "anywhere", null, Map.of(0, Routes.ANY));
        assertEquals(SEED, SubscriptionPlanner.anywhereNode(List.of(), noNode, SEED));
        assertEquals(Set.of(A), SubscriptionPlanner.lobWideNodes(anywhere(), A));
        assertFalse(SubscriptionPlanner.lobWideIncomplete(anywhere()));
        assertEquals(Map.of("c1", A, "c2", A),
                SubscriptionPlanner.placeContacts(anywhere(), List.of("c1", "c2"), Map.of(), A));
        assertTrue(SubscriptionPlanner.partitions(anywhere(), List.of("c1")).isEmpty(), "no partition needed");
        assertTrue(SubscriptionPlanner.gainedPartitions(anywhere(), A, Set.of(), Set.of()).isEmpty());
    }

    @Test
    void ownerModeLobWideTakesEveryOwnerAndFindsWhatANodeGained() {
        Map<Integer, String> table = new HashMap<>(Map.of(0, A, 1, B, 2, A));
        table.put(3, null);
        Routes routes = owners(table);
        assertEquals(Set.of(A, B), SubscriptionPlanner.lobWideNodes(routes, SEED));
        assertTrue(SubscriptionPlanner.lobWideIncomplete(routes), "partition 3 has no owner");
        assertEquals(Set.of(2), SubscriptionPlanner.gainedPartitions(routes, A, Set.of(0), Set.of(1)));
        assertEquals(Set.of(), SubscriptionPlanner.gainedPartitions(routes, A, Set.of(0), Set.of(2)),
                "covered by another live session");
    }

    @Test
    void coveredOnlyWhenEveryPartitionIsLive() {
        assertTrue(SubscriptionPlanner.lobWideCovered(3, Set.of(0, 1, 2)));
        assertFalse(SubscriptionPlanner.lobWideCovered(3, Set.of(0, 2)));
        assertFalse(SubscriptionPlanner.lobWideCovered(0, Set.of()), "no partition count yet");
    }

    @Test
    void ownerModeContactsGoToTheOwnerOfTheirPartition() {
        Map<Integer, String> table = new HashMap<>(Map.of(0, A, 1, B));
        Routes routes = owners(table);
        Map<String, Integer> partitions = SubscriptionPlanner.partitions(routes, List.of("c1", "c2", "c3"));
        assertEquals(3, partitions.size());
        partitions.forEach((contact, partition) ->
                assertEquals(Partitioners.murmur2Partition(contact, 2), partition));
        Map<String, String> placed = SubscriptionPlanner.placeContacts(routes, List.of("c1", "c2", "c3"),
                partitions, SEED);
        partitions.forEach((contact, partition) -> assertEquals(table.get(partition), placed.get(contact)));

        table.put(1, null);
        Map<String, String> partly = SubscriptionPlanner.placeContacts(owners(table), List.of("c1", "c2", "c3"),
                partitions, SEED);
        partitions.forEach((contact, partition) ->
                assertEquals(partition == 0 ? A : null, partly.get(contact), "no owner: left for the routes"));
    }

    @Test
    void anUnknownPartitionerAsksTheNodeThatAnswered() {
        Routes routes = new Routes("t", 2, "some_new_one", "group", B, Map.of(0, A, 1, A));
        assertTrue(SubscriptionPlanner.partitions(routes, List.of("c1")).isEmpty());
        assertEquals(Map.of("c1", B), SubscriptionPlanner.placeContacts(routes, List.of("c1"), Map.of(), SEED));
    }
}
