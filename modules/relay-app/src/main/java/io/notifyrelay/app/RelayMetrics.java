package io.notifyrelay.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.notifyrelay.core.RejectReason;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

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
                    .description("Records that could not be relayed (counted, logged, dead-lettered), by reason").register(registry));
        }
    }

    static RelayMetrics create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Micrometer's process.cpu.time is in nanoseconds (process_cpu_time_ns_total); Prometheus wants seconds,
        // under the name its own clients use
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, bean -> bean.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the relay's JVM process").register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return new RelayMetrics(registry);
    }

    /** {@code relay_ready}: 1 while the node is ready (the same as {@code /health/ready} answering 200), else 0. */
    void readiness(BooleanSupplier ready) {
        Gauge.builder("relay.ready", () -> ready.getAsBoolean() ? 1 : 0) // strong reference: not GC'd
                .description("1 while this node is ready (consumer running with its partitions), 0 while joining, "
                        + "stopping or failed").register(registry);
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
