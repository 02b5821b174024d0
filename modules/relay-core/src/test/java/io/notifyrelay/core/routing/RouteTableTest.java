package io.notifyrelay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    @Test
    void emptyTableKnowsNoOwner() {
        RouteTable table = RouteTable.empty(6);
        assertEquals(6, table.partitionCount());
        assertEquals(Optional.empty(), table.ownerOf(0));
        assertEquals(Instant.EPOCH, table.learnedAt());
    }

    @Test
    void ownersByPartition() {
        RouteTable table = new RouteTable(3, Map.of(2, "ws://b/v1/ws", 0, "ws://a/v1/ws"), Instant.now());
        assertEquals(Optional.of("ws://a/v1/ws"), table.ownerOf(0));
        assertEquals(Optional.empty(), table.ownerOf(1));
        assertEquals(List.of(0, 2), List.copyOf(table.sortedOwners().keySet()));
    }

    @Test
    void ownersAreCopied() {
        Map<Integer, String> owners = new HashMap<>(Map.of(0, "ws://a/v1/ws"));
        RouteTable table = new RouteTable(1, owners, Instant.now());
        owners.put(0, "ws://changed/v1/ws");
        assertEquals(Optional.of("ws://a/v1/ws"), table.ownerOf(0));
        assertThrows(UnsupportedOperationException.class, () -> table.owners().put(1, "x"));
    }
}
