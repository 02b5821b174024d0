package io.notifyrelay.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.presence.ClusterPresence;
import io.notifyrelay.core.presence.NodePresence;
import io.notifyrelay.websocket.HttpEndpoint;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PresenceEndpointTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final Instant EXP = Instant.ofEpochMilli(NOW + 60_000);

    /** Tokens are their own principal's description: "lob", "lob|c1,c2" or "*" for presence:read. */
    private static final TokenVerifier TOKENS = token -> {
        if (token.equals("*")) {
            return new Principal("notify-api", null, EXP, Set.of("presence:read"));
        }
        if (token.startsWith("bad")) {
            throw new AuthenticationException("token signature or algorithm not accepted");
        }
        String[] parts = token.split("\\|");
        return new Principal(parts[0], parts.length > 1 ? Set.of(parts[1].split(",")) : null, EXP);
    };

    private final ClusterPresence presence = new ClusterPresence("a",
            () -> new NodePresence("a", NOW, Map.of("L", new NodePresence.Lob(2, 1, Map.of("c1", 1))), false),
            6_000, 10);
    private final PresenceEndpoint endpoint = new PresenceEndpoint(TOKENS, presence, 16,
            Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));

    private HttpEndpoint.Response get(String authorization, String... query) {
        Map<String, String> parameters = new java.util.HashMap<>();
        for (int i = 0; i < query.length; i += 2) {
            parameters.put(query[i], query[i + 1]);
        }
        return endpoint.handle(parameters, name -> name.equals("Authorization") ? authorization : null);
    }

    private static JsonNode body(HttpEndpoint.Response response) throws Exception {
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void aLobTokenCountsItsOwnLobClusterWide() throws Exception {
        presence.update("b", new NodePresence("b", NOW - 1_000, Map.of("L", new NodePresence.Lob(3, 3, Map.of())), false));

        HttpEndpoint.Response response = get("Bearer L", "lobId", "L");

        assertEquals(200, response.status());
        JsonNode body = body(response);
        assertEquals("L", body.path("lobId").asText());
        assertEquals(true, body.path("contactId").isNull());
        assertEquals(5, body.path("sessions").asInt());
        assertEquals(2, body.path("nodes").path("a").asInt());
        assertEquals(3, body.path("nodes").path("b").asInt());
        assertEquals(Instant.ofEpochMilli(NOW - 1_000).toString(), body.path("asOf").asText());
        assertEquals(5, body(get("bearer L", "lobId", "L", "contactId", "c1")).path("sessions").asInt());
    }

    @Test
    void withoutAValidTokenItIs401() {
        assertEquals(401, get(null, "lobId", "L").status());
        assertEquals(401, get("Basic dXNlcg==", "lobId", "L").status());
        assertEquals(401, get("Bearer ", "lobId", "L").status());
        assertEquals(401, get("Bearer bad", "lobId", "L").status());
        assertEquals(401, endpoint.handle(Map.of("lobId", "L")).status(), "no headers at all");
    }

    @Test
    void anotherLobIs403UnlessTheTokenHasPresenceRead() throws Exception {
        assertEquals(403, get("Bearer M", "lobId", "L").status());
        assertEquals(200, get("Bearer *", "lobId", "L").status());
        assertEquals(0, body(get("Bearer *", "lobId", "M")).path("sessions").asInt());
    }

    @Test
    void aTokenRestrictedToContactsMayOnlyAskAboutThose() {
        assertEquals(200, get("Bearer L|c1", "lobId", "L", "contactId", "c1").status());
        assertEquals(403, get("Bearer L|c1", "lobId", "L", "contactId", "c2").status());
        assertEquals(403, get("Bearer L|c1", "lobId", "L").status());
    }

    @Test
    void queriesAreBounded() {
        assertEquals(400, get("Bearer *").status());
        assertEquals(400, get("Bearer *", "lobId", " ").status());
        assertEquals(400, get("Bearer *", "lobId", "x".repeat(17)).status());
        assertEquals(400, get("Bearer *", "lobId", "L", "contactId", "y".repeat(17)).status());
    }
}
