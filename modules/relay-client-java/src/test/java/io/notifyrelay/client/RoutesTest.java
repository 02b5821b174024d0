package io.notifyrelay.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void parsesTheRoutesDocument() throws Exception {
        Routes routes = Routes.parse(JSON.readTree("""
                {"topic":"notify.events","partitionCount":4,"partitioner":"murmur2","mode":"group",
                 "node":"ws://a:1/v1/ws","partitions":[
                   {"partition":0,"owner":"ws://a:1/v1/ws"},{"partition":1,"owner":"ws://b:2/v1/ws"},
                   {"partition":2,"owner":null},{"partition":3,"owner":"ws://a:1/v1/ws"}]}"""));
        assertEquals(4, routes.partitionCount());
        assertEquals("murmur2", routes.partitioner());
        assertFalse(routes.broadcast());
        assertFalse(routes.complete(), "partition 2 has no owner yet");
        assertEquals(List.of("ws://a:1/v1/ws", "ws://b:2/v1/ws"), List.copyOf(routes.ownerUrls()));
        assertEquals(Set.of(0, 3), routes.partitionsOf("ws://a:1/v1/ws"));
        assertNull(routes.ownerOf(2));
    }

    @Test
    void broadcastModeOwnsEverythingEverywhere() throws Exception {
        Routes routes = Routes.parse(JSON.readTree("""
                {"partitionCount":2,"partitioner":"murmur2","mode":"broadcast","node":"ws://a:1/v1/ws",
                 "partitions":[{"partition":0,"owner":"any"},{"partition":1,"owner":"any"}]}"""));
        assertTrue(routes.broadcast());
        assertTrue(routes.ownerUrls().isEmpty());
    }

    /** The relay's default mode, by its name alone: one session wherever the owners say (none yet here). */
    @Test
    void anywhereModeIsServedByAnyNode() throws Exception {
        Routes routes = Routes.parse(JSON.readTree("""
                {"partitionCount":2,"partitioner":"murmur2","mode":"anywhere","node":"ws://a:1/v1/ws",
                 "partitions":[{"partition":0,"owner":null},{"partition":1,"owner":null}]}"""));
        assertTrue(routes.broadcast());
        Routes owner = Routes.parse(JSON.readTree("""
                {"partitionCount":1,"partitioner":"murmur2","mode":"owner","node":"ws://a:1/v1/ws",
                 "partitions":[{"partition":0,"owner":"ws://a:1/v1/ws"}]}"""));
        assertFalse(owner.broadcast());
    }

    @Test
    void refusesWhatIsNotARoutesDocument() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Routes.parse(JSON.readTree("{\"error\":\"x\"}")));
        assertThrows(IllegalArgumentException.class, () -> Routes.parse(JSON.readTree("[1]")));
    }

    @Test
    void seedsMayBeWebSocketOrHttpUrls() {
        assertEquals("ws://h:8080/v1/ws", Routes.webSocketUrl("ws://h:8080/v1/ws"));
        assertEquals("ws://h:8080/v1/ws", Routes.webSocketUrl("ws://h:8080"));
        assertEquals("ws://h:8080/v1/ws", Routes.webSocketUrl("http://h:8080/"));
        assertEquals("wss://relay.example/v1/ws", Routes.webSocketUrl("https://relay.example"));
        assertEquals("wss://relay.example/notify/v1/ws", Routes.webSocketUrl("https://relay.example/notify"));
        assertThrows(IllegalArgumentException.class, () -> Routes.webSocketUrl("ftp://h"));
    }

    @Test
    void theHttpBaseComesFromTheWebSocketUrl() {
        assertEquals("http://h:8080", Routes.httpBase("ws://h:8080/v1/ws"));
        assertEquals("https://relay.example", Routes.httpBase("wss://relay.example/v1/ws"));
        assertEquals("https://relay.example/notify", Routes.httpBase("wss://relay.example/notify/v1/ws"));
    }
}
