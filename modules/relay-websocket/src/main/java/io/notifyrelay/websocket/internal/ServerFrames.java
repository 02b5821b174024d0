package io.notifyrelay.websocket.internal;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.notifyrelay.core.RelayEvent;
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

    /**
     * One exact-size array per event: this runs once per consumed record on the consumer thread, so no
     * stream growth, no copy out of it, and no quoted copies of the usual plain-ASCII ids (anything else
     * is quoted by Jackson).
     */
    private static byte[] encodeEvent(RelayEvent event) {
        byte[] data = event.notification();
        String id = event.eventId();
        String cursor = event.cursor().encode();
        String lob = event.lobId();
        String contact = event.contactId();
        byte[] idq = plainAscii(id) ? null : JsonStringEncoder.getInstance().quoteAsUTF8(id);
        byte[] lobq = plainAscii(lob) ? null : JsonStringEncoder.getInstance().quoteAsUTF8(lob);
        byte[] contactq = plainAscii(contact) ? null : JsonStringEncoder.getInstance().quoteAsUTF8(contact);
        // validated W3C format (TraceHeaders): plain ASCII, nothing to quote
        String traceparent = event.traceparent();
        int size = PREFIX_ID.length + PREFIX_CURSOR.length + PREFIX_LOB.length + PREFIX_CONTACT.length
                + (traceparent == null ? 0 : PREFIX_TRACEPARENT.length + traceparent.length() + 2)
                + PREFIX_DATA.length + 8 + (idq == null ? id.length() : idq.length) + cursor.length()
                + (lobq == null ? lob.length() : lobq.length) + (contactq == null ? contact.length() : contactq.length)
                + data.length + 1;
        byte[] out = new byte[size];
        int p = put(out, 0, PREFIX_ID);
        p = quoted(out, p, id, idq);
        p = put(out, p, PREFIX_CURSOR);
        p = quoted(out, p, cursor, null); // base64url: always plain ASCII
        p = put(out, p, PREFIX_LOB);
        p = quoted(out, p, lob, lobq);
        p = put(out, p, PREFIX_CONTACT);
        p = quoted(out, p, contact, contactq);
        if (traceparent != null) {
            p = put(out, p, PREFIX_TRACEPARENT);
            p = quoted(out, p, traceparent, null);
        }
        p = put(out, p, PREFIX_DATA);
        p = put(out, p, data);
        out[p] = '}';
        return out;
    }

    private static boolean plainAscii(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int put(byte[] out, int p, byte[] bytes) {
        System.arraycopy(bytes, 0, out, p, bytes.length);
        return p + bytes.length;
    }

    private static int quoted(byte[] out, int p, String plain, byte[] escaped) {
        out[p++] = '"';
        if (escaped != null) {
            p = put(out, p, escaped);
        } else {
            for (int i = 0, n = plain.length(); i < n; i++) {
                out[p++] = (byte) plain.charAt(i); // printable ASCII, checked by plainAscii
            }
        }
        out[p++] = '"';
        return p;
    }

    private static final byte[] PREFIX_ID = ascii("{\"type\":\"event\",\"id\":");
    private static final byte[] PREFIX_CURSOR = ascii(",\"cursor\":");
    private static final byte[] PREFIX_LOB = ascii(",\"lobId\":");
    private static final byte[] PREFIX_CONTACT = ascii(",\"contactId\":");
    private static final byte[] PREFIX_TRACEPARENT = ascii(",\"traceparent\":");
    private static final byte[] PREFIX_DATA = ascii(",\"data\":");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    public static String welcome(String sessionId, String node, long heartbeatMs) {
        return welcome(sessionId, node, heartbeatMs, null);
    }

    /** @param previousClose why the relay closed the session the client named in its auth frame, or null */
    public static String welcome(String sessionId, String node, long heartbeatMs,
                                 io.notifyrelay.websocket.session.RecentCloses.Close previousClose) {
        ObjectNode frame = frame("welcome");
        frame.put("sessionId", sessionId);
        frame.put("node", node);
        frame.put("heartbeatMs", heartbeatMs);
        if (previousClose != null) {
            previousClose(frame.putObject("previousClose"), previousClose);
        }
        return frame.toString();
    }

    /** {@code {code, reason, at}}: also the socket.io RECOVERY event's previousClose. */
    public static ObjectNode previousClose(ObjectNode into, io.notifyrelay.websocket.session.RecentCloses.Close close) {
        return into.put("code", close.code()).put("reason", close.reason()).put("at", close.at().toString());
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
        return subscribed(contacts, partitions, recovered, reason, null);
    }

    /** @param unrecovered when {@code recovered} is false, the partitions that may have a gap; null if unknown */
    public static String subscribed(Collection<String> contacts, Collection<Integer> partitions, Boolean recovered,
                                    String reason, Collection<Integer> unrecovered) {
        ObjectNode frame = frame("subscribed");
        if (recovered != null) {
            frame.put("recovered", recovered.booleanValue());
            if (reason != null) {
                frame.put("reason", reason);
            }
            if (!recovered && unrecovered != null) {
                ArrayNode gaps = frame.putArray("unrecovered");
                unrecovered.forEach(gaps::add);
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

    /**
     * Whether this node reaches Kafka: {@code unreachable} means events for the session are delayed (nothing is
     * lost: they are delivered, or resumed from the cursor, once the node or another one reads them again).
     */
    public static String status(boolean kafkaReachable) {
        return kafkaReachable ? "{\"type\":\"status\",\"kafka\":\"ok\"}"
                : "{\"type\":\"status\",\"kafka\":\"unreachable\"}";
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
