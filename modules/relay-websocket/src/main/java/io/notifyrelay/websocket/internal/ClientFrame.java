package io.notifyrelay.websocket.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** A frame a client sent, parsed and checked. */
public sealed interface ClientFrame {

    /** @param previousSession the {@code sessionId} of the client's previous session, or null (see RecentCloses) */
    record Auth(String token, String previousSession) implements ClientFrame {

        Auth(String token) {
            this(token, null);
        }
    }

    /**
     * @param contacts the contacts to subscribe to; null means everything addressed to the session's LOB
     * @param ack      the client will acknowledge events ({@code ack} frames)
     */
    record Subscribe(List<String> contacts, List<String> cursors, String since, boolean ack) implements ClientFrame {
        Subscribe(List<String> contacts, List<String> cursors, String since) {
            this(contacts, cursors, since, false);
        }
    }

    /** Ids of events the client got and handled; at most {@link #MAX_ACK_IDS}. */
    record Ack(List<String> ids) implements ClientFrame {
    }

    int MAX_ACK_IDS = 100;

    record Unsubscribe(List<String> contacts) implements ClientFrame {
    }

    record Ping() implements ClientFrame {
    }

    /** The frame could not be understood; answered with an {@code error} frame, the session stays open. */
    record Invalid(String code, String message) implements ClientFrame {
    }

    ObjectMapper MAPPER = new ObjectMapper();

    static ClientFrame parse(String text) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (Exception e) {
            return new Invalid("bad_frame", "frame is not JSON");
        }
        if (node == null || !node.isObject()) {
            return new Invalid("bad_frame", "frame must be a JSON object with a \"type\"");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            return new Invalid("bad_frame", "frame has no string \"type\"");
        }
        switch (type.asText()) {
            case "auth": {
                JsonNode token = node.get("token");
                if (token == null || !token.isTextual() || token.asText().isBlank()) {
                    return new Invalid("bad_frame", "auth needs a string \"token\"");
                }
                JsonNode previous = node.get("previousSession");
                // a hint, not a demand: anything but a short string is ignored
                return new Auth(token.asText(), previous != null && previous.isTextual()
                        && previous.asText().length() <= 64 ? previous.asText() : null);
            }
            case "subscribe": {
                JsonNode contacts = node.get("contacts");
                List<String> contactList = null;
                if (contacts != null && !contacts.isNull()) {
                    contactList = stringList(contacts);
                    if (contactList == null || contactList.isEmpty()) {
                        return new Invalid("bad_frame",
                                "subscribe \"contacts\" must be a non-empty array of strings (omit it for the whole LOB)");
                    }
                }
                JsonNode cursors = node.get("cursors");
                List<String> cursorList = null;
                if (cursors != null && !cursors.isNull()) {
                    cursorList = stringList(cursors);
                    if (cursorList == null) {
                        return new Invalid("bad_frame", "subscribe \"cursors\" must be an array of strings");
                    }
                }
                JsonNode since = node.get("since");
                if (since != null && !since.isNull() && !since.isTextual()) {
                    return new Invalid("bad_frame", "subscribe \"since\" must be an RFC 3339 string");
                }
                JsonNode ack = node.get("ack");
                if (ack != null && !ack.isNull() && !ack.isBoolean()) {
                    return new Invalid("bad_frame", "subscribe \"ack\" must be true or false");
                }
                return new Subscribe(contactList, cursorList, since == null || since.isNull() ? null : since.asText(),
                        ack != null && ack.asBoolean(false));
            }
            case "unsubscribe": {
                List<String> contactList = stringList(node.get("contacts"));
                if (contactList == null || contactList.isEmpty()) {
                    return new Invalid("bad_frame", "unsubscribe needs a non-empty \"contacts\" array of strings");
                }
                return new Unsubscribe(contactList);
            }
            case "ping":
                return new Ping();
            case "ack": {
                List<String> ids = stringList(node.get("ids"));
                if (ids == null || ids.isEmpty() || ids.size() > MAX_ACK_IDS) {
                    return new Invalid("bad_frame", "ack needs \"ids\": 1.." + MAX_ACK_IDS + " event ids (strings)");
                }
                return new Ack(ids);
            }
            default:
                return new Invalid("unknown_type", "unknown frame type \"" + abbreviate(type.asText()) + "\"");
        }
    }

    private static List<String> stringList(JsonNode node) {
        if (node == null || !node.isArray()) {
            return null;
        }
        List<String> result = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual() || item.asText().isEmpty()) {
                return null;
            }
            result.add(item.asText());
        }
        return result;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
