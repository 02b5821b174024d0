package io.notifyrelay.core.presence;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes this node's snapshots for the presence topic, every interval: streamed (no JSON tree of every
 * contact), and when the counts are those of the previous snapshot, their bytes are reused, so a node whose
 * sessions did not change copies a few bytes instead of encoding thousands of contacts. Not thread-safe: the
 * one publisher thread owns it.
 */
public final class PresenceEncoder {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] LOBS = {',', '"', 'l', 'o', 'b', 's', '"', ':'};

    private Map<String, NodePresence.Lob> lastLobs;
    private byte[] lastLobsJson;

    /** {@code {"node","at","truncated","lobs":{lob:{"sessions","lobWide","contacts":{contact:count}}}}}. */
    public byte[] encode(NodePresence snapshot) {
        if (lastLobsJson == null || !snapshot.lobs().equals(lastLobs)) {
            lastLobsJson = lobs(snapshot.lobs());
            lastLobs = snapshot.lobs();
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream(64);
        try (JsonGenerator json = JSON.createGenerator(head)) {
            json.writeStartObject();
            json.writeStringField("node", snapshot.node());
            json.writeNumberField("at", snapshot.atMs());
            json.writeBooleanField("truncated", snapshot.truncated());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        byte[] start = head.toByteArray();
        int headLength = start.length - 1; // without its closing brace
        byte[] out = Arrays.copyOf(start, headLength + LOBS.length + lastLobsJson.length + 1);
        System.arraycopy(LOBS, 0, out, headLength, LOBS.length);
        System.arraycopy(lastLobsJson, 0, out, headLength + LOBS.length, lastLobsJson.length);
        out[out.length - 1] = '}';
        return out;
    }

    private static byte[] lobs(Map<String, NodePresence.Lob> lobs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<String, NodePresence.Lob> lob : lobs.entrySet()) {
                json.writeObjectFieldStart(lob.getKey());
                json.writeNumberField("sessions", lob.getValue().sessions());
                json.writeNumberField("lobWide", lob.getValue().lobWide());
                json.writeObjectFieldStart("contacts");
                for (Map.Entry<String, Integer> contact : lob.getValue().contacts().entrySet()) {
                    json.writeNumberField(contact.getKey(), contact.getValue());
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
