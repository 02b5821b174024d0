package io.notifyrelay.core.presence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * One node's sessions, per LOB and contact, at one moment: what each node publishes on the presence topic
 * (keyed by its node id) and what every node merges into {@link ClusterPresence}.
 *
 * @param lobs      per LOB its counts
 * @param truncated the node had more contact entries than it may publish: its LOB totals and LOB-wide counts
 *                  are exact, contacts beyond the bound are missing
 */
public record NodePresence(String node, long atMs, Map<String, Lob> lobs, boolean truncated) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public NodePresence {
        lobs = Map.copyOf(lobs);
    }

    /**
     * @param sessions distinct sessions subscribed to anything of the LOB
     * @param lobWide  of those, the ones subscribed to the whole LOB
     * @param contacts per contact, the sessions subscribed to it that are not LOB-wide
     */
    public record Lob(int sessions, int lobWide, Map<String, Integer> contacts) {
        public Lob {
            contacts = Map.copyOf(contacts);
        }

        /** Sessions that receive an event of this LOB for {@code contactId} (null: of the whole LOB). */
        public int sessionsFor(String contactId) {
            return contactId == null ? sessions : lobWide + contacts.getOrDefault(contactId, 0);
        }
    }

    /** The value on the presence topic (see {@link PresenceEncoder}, which a publisher keeps between snapshots). */
    public byte[] toJson() {
        return new PresenceEncoder().encode(this);
    }

    /**
     * Reads a published value, or empty when it is not one (another writer on the topic): at most
     * {@code maxEntries} LOB and contact entries are kept, so no record can make a node hold more.
     */
    public static Optional<NodePresence> fromJson(byte[] json, int maxEntries) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.path("node").isTextual() || !root.path("at").canConvertToLong()
                    || !root.path("lobs").isObject()) {
                return Optional.empty();
            }
            Map<String, Lob> lobs = new HashMap<>();
            int entries = 0;
            boolean truncated = root.path("truncated").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("lobs").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> lob = it.next();
                if (++entries > maxEntries) {
                    truncated = true;
                    break;
                }
                Map<String, Integer> contacts = new HashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> c = lob.getValue().path("contacts").fields(); c.hasNext(); ) {
                    Map.Entry<String, JsonNode> contact = c.next();
                    if (++entries > maxEntries) {
                        truncated = true;
                        break;
                    }
                    contacts.put(contact.getKey(), Math.max(0, contact.getValue().asInt()));
                }
                lobs.put(lob.getKey(), new Lob(Math.max(0, lob.getValue().path("sessions").asInt()),
                        Math.max(0, lob.getValue().path("lobWide").asInt()), contacts));
            }
            return Optional.of(new NodePresence(root.path("node").asText(), root.path("at").asLong(), lobs, truncated));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
