package io.notifyrelay.testkit;

import java.util.Map;
import java.util.Objects;

/**
 * A cluster someone else runs (a local dev broker, a CI service, a shared cluster). Closing it only closes the
 * shared Admin client: the cluster and its topics are left alone, so tests on a shared cluster should use
 * unique topic names.
 */
public final class ExternalKafka extends AbstractKafkaBackend {

    public static final String NAME = "external";

    private final String bootstrapServers;
    private final Map<String, Object> clientOverrides;

    public ExternalKafka(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    /** @param clientOverrides extra client settings, e.g. security.protocol and SASL settings */
    public ExternalKafka(String bootstrapServers, Map<String, Object> clientOverrides) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers is blank");
        }
        this.clientOverrides = Map.copyOf(clientOverrides);
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return NAME + " (given cluster) at " + bootstrapServers;
    }

    @Override
    public Map<String, Object> clientProperties() {
        Map<String, Object> props = super.clientProperties();
        props.putAll(clientOverrides);
        return props;
    }

    @Override
    protected void stop() {
        // not ours to stop
    }
}
