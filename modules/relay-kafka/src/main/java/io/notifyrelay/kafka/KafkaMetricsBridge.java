package io.notifyrelay.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Exports a Kafka client's own metrics (lag per partition, fetch and commit latency …) to Micrometer, in
 * place of Micrometer's {@code KafkaClientMetrics}, for three reasons:
 * <ul>
 *   <li>each series once: since KIP-1109 the consumer records per-topic metrics twice, with the topic name as
 *       it is ({@code notify.events}) and in the deprecated form with dots made underscores
 *       ({@code notify_events}), which doubled {@code sum(records_lag)}; only the first is exported;</li>
 *   <li>Prometheus base units: times Kafka gives in milliseconds or nanoseconds are exported in seconds, with
 *       {@code _seconds} in the name ({@code fetch_latency_avg} in ms becomes
 *       {@code fetch_latency_avg_seconds});</li>
 *   <li>fresh on scrape: {@link #refresh()} runs before each {@code /metrics} answer, so a partition's lag
 *       appears with its first fetch and goes with its revocation, not up to a minute later.</li>
 * </ul>
 * Names otherwise follow {@code KafkaClientMetrics}: {@code kafka.<group less -metrics>.<name>}, with the
 * metric's own tags.
 */
public final class KafkaMetricsBridge {

    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final MeterRegistry registry;
    private final Set<String> legacyTopicTags;
    private final Map<MetricName, Meter> bridged = new HashMap<>();
    /** A partition's lag from elsewhere (NaN: the client's own), for partitions the client paused. */
    private final IntToDoubleFunction lagOverride;

    /** @param topics the topics the client reads or writes, whose underscored duplicates are left out */
    public KafkaMetricsBridge(Supplier<Map<MetricName, ? extends Metric>> metrics, MeterRegistry registry,
                              Set<String> topics) {
        this(metrics, registry, topics, partition -> Double.NaN);
    }

    /**
     * @param lagOverride the lag of a partition when not the client's own (NaN): a paused partition fetches
     *                    nothing, so its {@code records-lag} would stand still
     */
    public KafkaMetricsBridge(Supplier<Map<MetricName, ? extends Metric>> metrics, MeterRegistry registry,
                              Set<String> topics, IntToDoubleFunction lagOverride) {
        this.metrics = metrics;
        this.lagOverride = lagOverride;
        this.registry = registry;
        Set<String> legacy = new HashSet<>();
        for (String topic : topics) {
            if (topic.contains(".")) {
                legacy.add(topic.replace('.', '_'));
            }
        }
        this.legacyTopicTags = Set.copyOf(legacy);
    }

    /** Registers the client's new metrics and removes those it no longer has. */
    public synchronized void refresh() {
        Map<MetricName, ? extends Metric> current = metrics.get();
        for (Map.Entry<MetricName, ? extends Metric> entry : current.entrySet()) {
            MetricName name = entry.getKey();
            if (!bridged.containsKey(name) && exported(name) && entry.getValue().metricValue() instanceof Number) {
                bridged.put(name, register(name, entry.getValue()));
            }
        }
        List<MetricName> gone = new ArrayList<>();
        for (MetricName name : bridged.keySet()) {
            if (!current.containsKey(name)) {
                gone.add(name);
            }
        }
        for (MetricName name : gone) {
            registry.remove(bridged.remove(name));
        }
    }

    /** Removes every meter this bridge registered. */
    public synchronized void close() {
        bridged.values().forEach(registry::remove);
        bridged.clear();
    }

    /** A consumer's {@code records-lag} of one partition of {@code topic} in {@code metrics}; NaN when it has none. */
    static double recordsLag(Map<MetricName, ? extends Metric> metrics, String topic, int partition) {
        String wanted = Integer.toString(partition);
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            if (isRecordsLag(name) && wanted.equals(name.tags().get("partition"))
                    && topic.equals(name.tags().get("topic"))) {
                return value(entry.getValue());
            }
        }
        return Double.NaN;
    }

    private static boolean isRecordsLag(MetricName name) {
        return name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                && name.tags().containsKey("partition");
    }

    private boolean exported(MetricName name) {
        if (name.group().equals("kafka-metrics-count")) {
            return false; // how many metrics the client has: noise
        }
        String topic = name.tags().get("topic");
        return topic == null || !legacyTopicTags.contains(topic);
    }

    private Meter register(MetricName kafkaName, Metric metric) {
        Unit unit = Unit.of(kafkaName);
        String kafka = unit.strip(kafkaName.name());
        boolean counter = kafka.endsWith("-total");
        if (counter) {
            kafka = kafka.substring(0, kafka.length() - "-total".length());
        }
        String name = "kafka." + kafkaName.group().replace("-metrics", "").replace('-', '.') + '.'
                + kafka.replace('-', '.');
        List<Tag> tags = new ArrayList<>();
        kafkaName.tags().forEach((key, value) -> tags.add(Tag.of(key, value)));
        double factor = unit.toSeconds;
        String description = kafkaName.description() == null || kafkaName.description().isBlank()
                ? "Kafka client metric " + kafkaName.group() + "/" + kafkaName.name() : kafkaName.description();
        if (isRecordsLag(kafkaName)) {
            int partition = Integer.parseInt(kafkaName.tags().get("partition"));
            return Gauge.builder(name, metric, m -> {
                double elsewhere = lagOverride.applyAsDouble(partition);
                return Double.isNaN(elsewhere) ? value(m) : elsewhere;
            }).tags(tags).description(description).register(registry);
        }
        if (counter) {
            return FunctionCounter.builder(name, metric, m -> value(m) * factor).tags(tags).description(description)
                    .baseUnit(unit.baseUnit).register(registry);
        }
        return Gauge.builder(name, metric, m -> value(m) * factor).tags(tags).description(description)
                .baseUnit(unit.baseUnit).register(registry);
    }

    private static double value(Metric metric) {
        Object value = metric.metricValue();
        return value instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    /** The unit a Kafka metric is in, from its name and description, and how to make it seconds. */
    private enum Unit {
        NANOSECONDS(1e-9, "seconds"), MILLISECONDS(1e-3, "seconds"), OTHER(1, null);

        final double toSeconds;
        final String baseUnit;

        Unit(double toSeconds, String baseUnit) {
            this.toSeconds = toSeconds;
            this.baseUnit = baseUnit;
        }

        static Unit of(MetricName metric) {
            String name = metric.name();
            if (name.contains("-ns-") || name.endsWith("-ns")) {
                return NANOSECONDS;
            }
            if (name.contains("seconds") || name.contains("ratio") || name.endsWith("-rate")) {
                return OTHER;
            }
            String base = name.replaceAll("-(avg|max|min|total)$", "");
            String description = metric.description() == null ? "" : metric.description().toLowerCase(Locale.ROOT);
            if (base.endsWith("latency") || base.endsWith("time") || base.endsWith("-ms")
                    || description.contains("millisecond") || description.matches(".*\\bin ms\\b.*")) {
                return MILLISECONDS;
            }
            return OTHER;
        }

        /** The Kafka name without its unit word, which the base unit replaces. */
        String strip(String name) {
            return name.replace("-ns-", "-").replaceAll("-ns$", "").replaceAll("-ms$", "");
        }
    }
}
