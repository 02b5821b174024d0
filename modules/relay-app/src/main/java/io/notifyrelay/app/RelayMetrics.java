package io.notifyrelay.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.notifyrelay.core.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * One node's meters, exposed for Prometheus at {@code /metrics}: the app's own counters here, the
 * WebSocket and Kafka sides' in their modules, and the JVM's. One registry per node, no global state.
 */
final class RelayMetrics {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Counter consumed;
    private final Counter unrouted;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);

    private RelayMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.consumed = Counter.builder("relay.events.consumed")
                .description("Notifications read from the topic and accepted").register(registry);
        this.unrouted = Counter.builder("relay.events.unrouted")
                .description("Accepted notifications no session on this node was subscribed to").register(registry);
        for (RejectReason reason : RejectReason.values()) {
            rejected.put(reason, Counter.builder("relay.records.rejected").tag("reason", reason.name())
                    .description("Records that could not be relayed, by reason").register(registry));
        }
    }

    static RelayMetrics create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return new RelayMetrics(registry);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    byte[] scrape() {
        return registry.scrape().getBytes(StandardCharsets.UTF_8);
    }

    void consumed() {
        consumed.increment();
    }

    void unrouted() {
        unrouted.increment();
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }
}
