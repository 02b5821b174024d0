package io.notifyrelay.websocket.socketio;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The two wire formats a socket.io v4 client speaks: Engine.IO v4 packets (one type digit, then data) and,
 * inside Engine.IO {@code message} packets, Socket.IO v5 packets ({@code <type>[<namespace>,][<ackId>][json]}).
 * Text only; binary attachments are not supported.
 */
final class SocketIoPackets {

    static final ObjectMapper JSON = new ObjectMapper();

    // Engine.IO packet types
    static final char OPEN = '0';
    static final char CLOSE = '1';
    static final char PING = '2';
    static final char PONG = '3';
    static final char MESSAGE = '4';
    static final char UPGRADE = '5';
    static final char NOOP = '6';

    // Socket.IO packet types (inside an Engine.IO message)
    static final char CONNECT = '0';
    static final char DISCONNECT = '1';
    static final char EVENT = '2';
    static final char ACK = '3';
    static final char CONNECT_ERROR = '4';

    /** Engine.IO v4 long-polling payloads separate packets with the ASCII record separator. */
    static final byte RECORD_SEPARATOR = 0x1e;

    private SocketIoPackets() {
    }

    /** A Socket.IO packet read from the text of an Engine.IO message. */
    record Packet(char type, String namespace, Long ackId, JsonNode data) {
    }

    /** Parses a Socket.IO packet; null when it is not one this server understands. */
    static Packet parse(String text) {
        if (text.isEmpty()) {
            return null;
        }
        char type = text.charAt(0);
        int i = 1;
        String namespace = "/";
        if (i < text.length() && text.charAt(i) == '/') {
            int comma = text.indexOf(',', i);
            namespace = comma < 0 ? text.substring(i) : text.substring(i, comma);
            i = comma < 0 ? text.length() : comma + 1;
        }
        int digits = i;
        while (digits < text.length() && Character.isDigit(text.charAt(digits)) && digits - i < 18) {
            digits++;
        }
        Long ackId = digits > i ? Long.valueOf(text.substring(i, digits)) : null;
        JsonNode data = null;
        if (digits < text.length()) {
            try {
                data = JSON.readTree(text.substring(digits));
            } catch (Exception e) {
                return null;
            }
        }
        return new Packet(type, namespace, ackId, data);
    }

    static byte[] engine(char type, String data) {
        return (type + (data == null ? "" : data)).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code 4} + a Socket.IO packet of the root namespace. */
    static byte[] socket(char socketType, String data) {
        return ("" + MESSAGE + socketType + (data == null ? "" : data)).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code 42["name",<json>]}: an event with one argument, the JSON given as bytes (not re-serialized). */
    static byte[] event(String name, byte[] jsonArgument) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jsonArgument.length + name.length() + 8);
        out.write(MESSAGE);
        out.write(EVENT);
        out.write('[');
        out.write('"');
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(name));
        out.write('"');
        out.write(',');
        out.writeBytes(jsonArgument);
        out.write(']');
        return out.toByteArray();
    }

    /** {@code 42["name",<json>,"<offset>"]}: an event whose last argument is a recovery offset (base64url, no escaping). */
    static byte[] event(String name, byte[] jsonArgument, String offset) {
        byte[] plain = event(name, jsonArgument);
        byte[] tail = (",\"" + offset + "\"]").getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(plain, plain.length - 1 + tail.length);
        System.arraycopy(tail, 0, out, plain.length - 1, tail.length);
        return out;
    }

    /** {@code 43<id>[<json>]}: the answer to an event the client emitted with an acknowledgement callback. */
    static byte[] ack(long ackId, byte[] jsonArgument) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(jsonArgument.length + 24);
        out.write(MESSAGE);
        out.write(ACK);
        out.writeBytes(Long.toString(ackId).getBytes(StandardCharsets.US_ASCII));
        out.write('[');
        out.writeBytes(jsonArgument);
        out.write(']');
        return out.toByteArray();
    }

    /** Engine.IO long-polling payload: packets joined by the record separator. */
    static byte[] join(Iterable<byte[]> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean first = true;
        for (byte[] packet : packets) {
            if (!first) {
                out.write(RECORD_SEPARATOR);
            }
            out.writeBytes(packet);
            first = false;
        }
        return out.toByteArray();
    }

    /** Engine.IO error body for a refused request, e.g. {@code {"code":1,"message":"Session ID unknown"}}. */
    static String error(int code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message).toString();
    }
}
