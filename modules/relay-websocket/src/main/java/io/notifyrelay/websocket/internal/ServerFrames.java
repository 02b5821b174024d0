package io.notifyrelay.websocket.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.RelayEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.function.Function;

/** Encodes the frames the server sends. */
public final class ServerFrames {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Encodes an {@code event} frame around the notification bytes as produced, without parsing or
     * re-serialising them. One instance, so {@link RelayEvent#encoded} can share the bytes between sessions.
     */
    public static final Function<RelayEvent, byte[]> EVENT_ENCODER = ServerFrames::encodeEvent;

    private ServerFrames() {
    }

    private static byte[] encodeEvent(RelayEvent event) {
        byte[] data = event.notification();
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 160);
        out.writeBytes(PREFIX_ID);
        writeQuoted(out, event.eventId());
        out.writeBytes(PREFIX_CURSOR);
        writeQuoted(out, event.cursor().encode());
        out.writeBytes(PREFIX_LOB);
        writeQuoted(out, event.lobId());
        out.writeBytes(PREFIX_CONTACT);
        writeQuoted(out, event.contactId());
        out.writeBytes(PREFIX_DATA);
        out.writeBytes(data);
        out.write('}');
        return out.toByteArray();
    }

    private static final byte[] PREFIX_ID = ascii("{\"type\":\"event\",\"id\":");
    private static final byte[] PREFIX_CURSOR = ascii(",\"cursor\":");
    private static final byte[] PREFIX_LOB = ascii(",\"lobId\":");
    private static final byte[] PREFIX_CONTACT = ascii(",\"contactId\":");
    private static final byte[] PREFIX_DATA = ascii(",\"data\":");

    private static void writeQuoted(ByteArrayOutputStream out, String value) {
        out.write('"');
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(value));
        out.write('"');
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static String welcome(String sessionId, String node, long heartbeatMs) {
        ObjectNode frame = frame("welcome");
        frame.put("sessionId", sessionId);
        frame.put("node", node);
        frame.put("heartbeatMs", heartbeatMs);
        return frame.toString();
    }

    /**
     * @param contacts null for a subscription to the whole LOB
     * @param partitions the partitions on this node that serve the subscription
     */
    public static String subscribed(Collection<String> contacts, Collection<Integer> partitions) {
        return subscribed(contacts, partitions, null, null);
    }

    /**
     * @param recovered for a resume: whether everything missed was replayed; null when not resuming
     * @param reason    why not, when {@code recovered} is false
     */
    public static String subscribed(Collection<String> contacts, Collection<Integer> partitions, Boolean recovered,
                                    String reason) {
        ObjectNode frame = frame("subscribed");
        if (recovered != null) {
            frame.put("recovered", recovered.booleanValue());
            if (reason != null) {
                frame.put("reason", reason);
            }
        }
        frame.put("lobWide", contacts == null);
        if (contacts != null) {
            ArrayNode array = frame.putArray("contacts");
            contacts.forEach(array::add);
        }
        ArrayNode array = frame.putArray("partitions");
        partitions.forEach(array::add);
        return frame.toString();
    }

    /**
     * Tells the client that this node does not (or no longer) serve these contacts or partitions.
     *
     * @param contacts   contacts to subscribe to at {@code url}; empty for partitions of a LOB-wide subscription
     * @param url        WebSocket URL of the node that serves them, or null while no node has them yet
     *                   (ask {@code GET /v1/routes} again shortly)
     */
    public static String moved(Collection<String> contacts, Collection<Integer> partitions, String url) {
        ObjectNode frame = frame("moved");
        ArrayNode contactArray = frame.putArray("contacts");
        contacts.forEach(contactArray::add);
        ArrayNode partitionArray = frame.putArray("partitions");
        partitions.forEach(partitionArray::add);
        if (url == null) {
            frame.putNull("url");
        } else {
            frame.put("url", url);
        }
        return frame.toString();
    }

    public static String unsubscribed(Collection<String> contacts) {
        ObjectNode frame = frame("unsubscribed");
        ArrayNode array = frame.putArray("contacts");
        contacts.forEach(array::add);
        return frame.toString();
    }

    public static String error(String code, String message) {
        ObjectNode frame = frame("error");
        frame.put("code", code);
        frame.put("message", message);
        return frame.toString();
    }

    public static String pong() {
        return "{\"type\":\"pong\"}";
    }

    /**
     * The session's token runs out soon: send a fresh {@code auth} frame within {@code refreshWithinMs}.
     *
     * @param expiresAt       the token's {@code exp}, sent as RFC 3339 (UTC)
     * @param refreshWithinMs milliseconds until the session is closed with 4401 unless refreshed ({@code exp} plus
     *                        the refresh grace, minus now)
     */
    public static String tokenExpiring(java.time.Instant expiresAt, long refreshWithinMs) {
        ObjectNode frame = frame("token_expiring");
        frame.put("expiresAt", expiresAt.toString());
        frame.put("refreshWithin", refreshWithinMs);
        return frame.toString();
    }

    private static ObjectNode frame(String type) {
        ObjectNode frame = MAPPER.createObjectNode();
        frame.put("type", type);
        return frame;
    }
}
