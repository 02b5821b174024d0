package io.notifyrelay.testkit.cluster;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** A relay node's settings as an operator gives them: {@code RELAY_*} environment variables. */
public final class RelayEnv {

    private RelayEnv() {
    }

    /** A name of its own for a topic, group, node or LOB, so tests never see each other's events. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * One node of the deployment {@code topic}/{@code group} on 127.0.0.1, port 0, a unique node id, and a new
     * group's start at the live end; a mutable map, for the test to add to.
     */
    public static Map<String, String> of(String bootstrapServers, String topic, String group, String jwtSecret) {
        Map<String, String> env = new HashMap<>();
        env.put("RELAY_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        env.put("RELAY_TOPIC", topic);
        env.put("RELAY_GROUP_ID", group);
        env.put("RELAY_HTTP_HOST", "127.0.0.1");
        env.put("RELAY_HTTP_PORT", "0");
        env.put("RELAY_JWT_SECRET", jwtSecret);
        env.put("RELAY_NODE_ID", uniqueName("node"));
        // the test group is new, so there is no committed offset to fall back on
        env.put("RELAY_KAFKA_PROPERTY_AUTO_OFFSET_RESET", "latest");
        return env;
    }
}
