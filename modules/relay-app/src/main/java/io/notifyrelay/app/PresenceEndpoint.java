package io.notifyrelay.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.auth.TokenVerifier;
import io.notifyrelay.core.presence.ClusterPresence;
import io.notifyrelay.websocket.HttpEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@code GET /v1/presence?lobId=L[&contactId=C]} with {@code Authorization: Bearer <JWT>}: how many sessions,
 * cluster-wide, receive events of a LOB (or of one contact of it). A token whose {@code scope} has
 * {@code presence:read} may ask about any LOB; any other valid token only about its own LOB (and, when it names
 * {@code contacts}, only about those).
 */
final class PresenceEndpoint implements HttpEndpoint {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "bearer ";

    private final TokenVerifier tokens;
    /** Null when presence is off (RELAY_PRESENCE_TOPIC=none). */
    private final ClusterPresence presence;
    private final int maxIdBytes;
    private final Clock clock;

    PresenceEndpoint(TokenVerifier tokens, ClusterPresence presence, int maxIdBytes, Clock clock) {
        this.tokens = tokens;
        this.presence = presence;
        this.maxIdBytes = maxIdBytes;
        this.clock = clock;
    }

    @Override
    public Response handle(Map<String, String> query) {
        return error(401, "send Authorization: Bearer <token>");
    }

    @Override
    public Response handle(Map<String, String> query, UnaryOperator<String> header) {
        String authorization = header.apply("Authorization");
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return error(401, "send Authorization: Bearer <token>");
        }
        Principal principal;
        try {
            principal = tokens.verify(authorization.substring(BEARER.length()).trim());
        } catch (AuthenticationException e) {
            return error(401, e.getMessage());
        }
        String lobId = query.get("lobId");
        String contactId = query.get("contactId");
        String problem = checkId("lobId", lobId, true);
        if (problem == null) {
            problem = checkId("contactId", contactId, false);
        }
        if (problem != null) {
            return error(400, problem);
        }
        if (!principal.hasScope(Principal.PRESENCE_READ)) {
            if (!principal.lobId().equals(lobId)) {
                return error(403, "this token may only ask about its own LOB (or needs scope presence:read)");
            }
            if (principal.restrictedToContacts() && (contactId == null || !principal.mayReceive(contactId))) {
                return error(403, "this token may only ask about the contacts it names");
            }
        }
        if (presence == null) {
            return error(404, "presence is off on this relay (RELAY_PRESENCE_TOPIC=none)");
        }
        ClusterPresence.Answer answer = presence.query(lobId, contactId, clock.millis());
        ObjectNode body = JSON.createObjectNode();
        body.put("lobId", answer.lobId());
        if (contactId == null) {
            body.putNull("contactId");
        } else {
            body.put("contactId", contactId);
        }
        body.put("sessions", answer.sessions());
        ObjectNode nodes = body.putObject("nodes");
        answer.nodes().forEach(nodes::put);
        body.put("asOf", Instant.ofEpochMilli(answer.asOfMs()).toString());
        return Response.json(200, body.toString());
    }

    private String checkId(String name, String value, boolean required) {
        if (value == null) {
            return required ? name + " is required" : null;
        }
        if (value.isBlank() || value.getBytes(StandardCharsets.UTF_8).length > maxIdBytes) {
            return name + " must be 1.." + maxIdBytes + " bytes (RELAY_MAX_CONTACT_ID_BYTES)";
        }
        return null;
    }

    private static Response error(int status, String message) {
        return Response.json(status, JSON.createObjectNode().put("error", message).toString());
    }
}
