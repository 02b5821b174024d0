package io.notifyrelay.app;

import java.util.Locale;
import java.util.Optional;

/**
 * How the nodes of a deployment serve sessions ({@code RELAY_MODE}); see docs/architecture.md.
 */
enum NodeMode {
    /**
     * The default. Every node reads every partition for its own sessions (one delivery reader, no group), so any
     * node serves any subscription completely and clients need one socket behind any load balancer; a separate
     * group consumer does what must happen once per record for the whole cluster (committed progress, lag,
     * dead letters). Costs every node a read of the whole topic.
     */
    ANYWHERE("broadcast"),
    /**
     * The nodes share the partitions in one consumer group; each serves only the sessions of contacts on its
     * partitions and sends the others {@code moved}. For topics whose rate one node cannot read.
     */
    OWNER("group");

    /** The name this mode had before serve-anywhere existed; still accepted. */
    private final String oldName;

    NodeMode(String oldName) {
        this.oldName = oldName;
    }

    /** The name in RELAY_MODE, /v1/routes and logs. */
    String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses RELAY_MODE: a mode's name or its old name, any case. */
    static Optional<NodeMode> parse(String value) {
        String name = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (NodeMode mode : values()) {
            if (mode.wireName().equals(name) || mode.oldName.equals(name)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
