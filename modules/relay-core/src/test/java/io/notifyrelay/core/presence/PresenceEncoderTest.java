package io.notifyrelay.core.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PresenceEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static NodePresence snapshot(long at, int sessions, Map<String, Integer> contacts, boolean truncated) {
        return new NodePresence("node \"b\"", at, Map.of("L", new NodePresence.Lob(sessions, 1, contacts),
                "L\u00e9\n", new NodePresence.Lob(1, 1, Map.of())), truncated);
    }

    /** The tree ObjectMapper wrote before: the bytes other nodes (of an older build too) read. */
    private static String tree(NodePresence snapshot) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("node", snapshot.node());
        root.put("at", snapshot.atMs());
        root.put("truncated", snapshot.truncated());
        ObjectNode lobs = root.putObject("lobs");
        snapshot.lobs().forEach((lobId, lob) -> {
            ObjectNode entry = lobs.putObject(lobId);
            entry.put("sessions", lob.sessions());
            entry.put("lobWide", lob.lobWide());
            ObjectNode contacts = entry.putObject("contacts");
            lob.contacts().forEach(contacts::put);
        });
        return JSON.writeValueAsString(root);
    }

    @Test
    void writesWhatTheJsonTreeWroteAndReusesUnchangedCountsWithTheNewTime() throws Exception {
        PresenceEncoder encoder = new PresenceEncoder();
        NodePresence first = snapshot(1_000, 3, Map.of("c1", 2, "c\"2", 1), false);
        assertEquals(tree(first), new String(encoder.encode(first), StandardCharsets.UTF_8));

        NodePresence sameCounts = snapshot(3_000, 3, Map.of("c1", 2, "c\"2", 1), true);
        assertEquals(tree(sameCounts), new String(encoder.encode(sameCounts), StandardCharsets.UTF_8));
        assertEquals(sameCounts, NodePresence.fromJson(encoder.encode(sameCounts), 100).orElseThrow());

        NodePresence changed = snapshot(5_000, 2, Map.of("c1", 1), false);
        assertEquals(tree(changed), new String(encoder.encode(changed), StandardCharsets.UTF_8));

        NodePresence empty = new NodePresence("b", 7_000, Map.of(), false);
        assertEquals(tree(empty), new String(encoder.encode(empty), StandardCharsets.UTF_8));
    }
}
