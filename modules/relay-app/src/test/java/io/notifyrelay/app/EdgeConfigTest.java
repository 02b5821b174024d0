package io.notifyrelay.app;

import static io.notifyrelay.app.ConfigLoaderTest.env;
import static io.notifyrelay.app.ConfigLoaderTest.load;
import static io.notifyrelay.app.ConfigLoaderTest.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.websocket.ListenerBounds;
import io.notifyrelay.websocket.listener.DescriptorLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The listener bounds, socket.io limits and management port: defaults, and bad values that stop start-up. */
class EdgeConfigTest {

    @Test
    void theShippedDefaultsBoundEveryAnonymousResource() {
        RelayConfig.Edge edge = load(env()).edge();
        ListenerBounds listener = edge.listener();
        assertEquals(16 * 1024, listener.maxHeaderBytes());
        assertEquals(100, listener.maxHeaders());
        assertEquals(Duration.ofSeconds(10), listener.requestTimeout());
        assertEquals(Duration.ofSeconds(10), listener.idleTimeout());
        assertEquals(64 * 1024, listener.maxRequestBytes());
        long limit = DescriptorLimit.ofThisProcess().orElseThrow();
        assertEquals(DescriptorLimit.connectionsWithin(limit), listener.maxConnections(), "auto");
        assertTrue(listener.maxConnections() < limit, "below the descriptor limit " + limit);
        assertEquals(Math.min(2000, listener.maxConnections()), listener.maxPendingConnections());
        assertEquals(50, edge.socketIo().maxPacketsPerSecond());
        assertEquals(1000, edge.socketIo().maxUnauthenticated());
        assertNull(edge.managementPort(), "served on the HTTP port unless set");
    }

    @Test
    void autoLeavesATenthOfTheDescriptorsAndAtLeast512() {
        assertEquals(18_000, DescriptorLimit.connectionsWithin(20_000));
        assertEquals(512, DescriptorLimit.connectionsWithin(1024));
        assertEquals(0, DescriptorLimit.connectionsWithin(256));
    }

    @Test
    void autoUnderADescriptorLimitTooLowForARelayStopsStartUp() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        new EdgeOptions(ConfigOption::defaultValue, option -> Duration.ofSeconds(10), problems,
                java.util.OptionalLong.of(256)).edge(8080);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("RELAY_MAX_CONNECTIONS=auto") && problems.get(0).contains("ulimit -n"),
                problems.get(0));
    }

    @Test
    void aConnectionBoundOverTheDescriptorLimitStopsStartUp() {
        String message = problem(env("RELAY_MAX_CONNECTIONS", "2000000000"), "RELAY_MAX_CONNECTIONS");
        assertTrue(message.contains("file descriptor limit") && message.contains("ulimit -n"), message);
    }

    @Test
    void settingsAreRead() {
        RelayConfig.Edge edge = load(env("RELAY_MAX_HEADER_BYTES", "8192", "RELAY_MAX_HEADERS", "50",
                "RELAY_REQUEST_TIMEOUT", "5s", "RELAY_IDLE_CONNECTION_TIMEOUT", "2m", "RELAY_MAX_REQUEST_BYTES", "1024",
                "RELAY_MAX_CONNECTIONS", "300", "RELAY_MAX_PENDING_CONNECTIONS", "500",
                "RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND", "10", "RELAY_SOCKETIO_MAX_UNAUTHENTICATED", "7",
                "RELAY_MANAGEMENT_PORT", "9100")).edge();
        assertEquals(new ListenerBounds(8192, 50, Duration.ofSeconds(5), Duration.ofMinutes(2), 1024, 300, 300),
                edge.listener(), "pending connections capped at the connection bound");
        assertEquals(10, edge.socketIo().maxPacketsPerSecond());
        assertEquals(7, edge.socketIo().maxUnauthenticated());
        assertEquals(9100, edge.managementPort());
    }

    @ParameterizedTest
    @CsvSource({
            "RELAY_MAX_HEADER_BYTES, 100",
            "RELAY_MAX_HEADER_BYTES, 2000000",
            "RELAY_MAX_HEADERS, 0",
            "RELAY_REQUEST_TIMEOUT, 0s",
            "RELAY_REQUEST_TIMEOUT, 1h",
            "RELAY_IDLE_CONNECTION_TIMEOUT, 10ms",
            "RELAY_MAX_REQUEST_BYTES, -1",
            "RELAY_MAX_CONNECTIONS, none",
            "RELAY_MAX_PENDING_CONNECTIONS, 0",
            "RELAY_SOCKETIO_MAX_PACKETS_PER_SECOND, 0",
            "RELAY_SOCKETIO_MAX_UNAUTHENTICATED, lots",
            "RELAY_MANAGEMENT_PORT, 70000",
            "RELAY_MANAGEMENT_PORT, 8080",
    })
    void aBadValueStopsStartUpNamingTheSetting(String name, String value) {
        problem(env(name, value), name);
    }
}
