package io.notifyrelay.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.Value;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaMetricsBridgeTest {

    private final Metrics kafka = new Metrics();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final KafkaMetricsBridge bridge = new KafkaMetricsBridge(kafka::metrics, registry, Set.of("notify.events"));

    @Test
    void exportsPerTopicMetricsOnceUnderTheRealTopicName() {
        Sensor lag = kafka.sensor("lag");
        for (String topic : new String[] {"notify.events", "notify_events"}) {
            lag.add(new MetricName("records-lag", "consumer-fetch-manager-metrics", "lag",
                    Map.of("topic", topic, "partition", "3")), new Value());
        }
        lag.record(42);
        bridge.refresh();
        assertEquals(1, registry.find("kafka.consumer.fetch.manager.records.lag").gauges().size());
        assertEquals(42.0, registry.get("kafka.consumer.fetch.manager.records.lag").tag("topic", "notify.events")
                .gauge().value());
    }

    @Test
    void theLagOfAPausedPartitionComesFromWhereItsDutiesAreDone() {
        double[] elsewhere = {Double.NaN};
        KafkaMetricsBridge handingOver = new KafkaMetricsBridge(kafka::metrics, registry, Set.of("notify.events"),
                partition -> partition == 2 ? elsewhere[0] : Double.NaN);
        Sensor lag = kafka.sensor("lag");
        for (String partition : new String[] {"1", "2"}) {
            lag.add(new MetricName("records-lag", "consumer-fetch-manager-metrics", "lag",
                    Map.of("topic", "notify.events", "partition", partition)), new Value());
        }
        lag.record(5);
        handingOver.refresh();
        assertEquals(5.0, lagOf("2"), "not handed over: the client's own");
        elsewhere[0] = 17;
        assertEquals(17.0, lagOf("2"), "handed over: the other reader's, not the paused client's stale figure");
        assertEquals(5.0, lagOf("1"));
        assertEquals(5.0, KafkaMetricsBridge.recordsLag(kafka.metrics(), "notify.events", 1));
        assertTrue(Double.isNaN(KafkaMetricsBridge.recordsLag(kafka.metrics(), "notify.events", 3)), "no such series");
    }

    private double lagOf(String partition) {
        return registry.get("kafka.consumer.fetch.manager.records.lag").tag("partition", partition).gauge().value();
    }

    @Test
    void millisecondsAndNanosecondsBecomeSeconds() {
        Sensor commit = kafka.sensor("commit");
        commit.add(new MetricName("commit-latency-avg", "consumer-coordinator-metrics", "The average time taken for a "
                + "commit request", Map.of()), new Avg());
        commit.record(250);
        Sensor io = kafka.sensor("io");
        io.add(new MetricName("io-time-ns-avg", "consumer-metrics", "in nanoseconds", Map.of()), new Avg());
        io.record(2_000_000);
        bridge.refresh();
        assertEquals(0.25, registry.get("kafka.consumer.coordinator.commit.latency.avg").gauge().value(), 1e-9);
        assertEquals("seconds", registry.get("kafka.consumer.coordinator.commit.latency.avg").gauge().getId()
                .getBaseUnit());
        assertEquals(0.002, registry.get("kafka.consumer.io.time.avg").gauge().value(), 1e-9);
    }

    @Test
    void removesWhatTheClientNoLongerHas() {
        MetricName name = new MetricName("records-lag", "consumer-fetch-manager-metrics", "lag",
                Map.of("topic", "notify.events", "partition", "1"));
        kafka.sensor("lag").add(name, new Value());
        bridge.refresh();
        assertEquals(1, registry.find("kafka.consumer.fetch.manager.records.lag").gauges().size());
        kafka.removeMetric(name); // the partition was revoked
        bridge.refresh();
        assertNull(registry.find("kafka.consumer.fetch.manager.records.lag").gauge());
    }
}
