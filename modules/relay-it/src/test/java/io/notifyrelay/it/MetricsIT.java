package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /metrics} of a real node (real broker, shipped defaults) as Prometheus scrapes it, against what the
 * README's metrics table promises and what the dashboard and alert rules in docs/ query: every documented series
 * there from start-up, a HELP for every family, base units, and the consumer lag once per partition. The topic
 * name has a dot, as the default {@code notify.events} does, because that is what the Kafka client used to
 * export twice.
 */
@RealKafka
class MetricsIT {

    private static final Path ROOT = Path.of("..", "..").toAbsolutePath().normalize();
    private static final Pattern PROMQL_METRIC = Pattern.compile("\\b(?:relay|kafka|jvm|process|system)_[a-zA-Z0-9_]+\\b|\\bup\\b");
    /** Series Prometheus itself makes for every target: not in /metrics, but fair for rules to use. */
    private static final Set<String> PROMETHEUS_OWN = Set.of("up");

    private static RelayNode relay;
    private static String topic;
    /** The first scrape after the node turned ready: before any event, session or rebalance beyond the first. */
    private static PrometheusText atStart;

    @BeforeAll
    static void start(KafkaBackend kafka) {
        topic = TestRelays.uniqueName("notify.metrics");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        relay = TestRelays.startReady(TestRelays.env(kafka, topic, TestRelays.uniqueName("group")));
        atStart = scrape();
    }

    @AfterAll
    static void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    private static PrometheusText scrape() {
        var response = TestRelays.get(relay, "/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return PrometheusText.parse(response.body());
    }

    @Test
    void everyMetricTheReadmeListsIsThereFromStartUp() throws IOException {
        List<String> missing = new ArrayList<>();
        // the Kafka client's lag appears with the partitions' first fetch, which follows the assignment
        await("lag of every partition").atMost(Duration.ofSeconds(30))
                .until(() -> lagByPartition(scrape()).size() == TestRelays.PARTITIONS);
        PrometheusText withLag = scrape();
        for (String documented : readmeMetrics()) {
            boolean kafka = documented.startsWith("kafka_");
            String problem = check(kafka ? withLag : atStart, documented);
            if (problem != null) {
                missing.add(documented + ": " + problem);
            }
        }
        assertTrue(missing.isEmpty(), "documented in README but not exported as documented:\n" + String.join("\n", missing));
        assertEquals(1.0, atStart.families().get("relay_ready").samples().get(0).value(), "relay_ready once ready");
    }

    /** Null when the documented entry ({@code name}, {@code name{label}}, {@code name{label=a|b}}, {@code prefix_*}) is exported. */
    private static String check(PrometheusText scrape, String documented) {
        if (documented.endsWith("_*")) {
            String prefix = documented.substring(0, documented.length() - 1);
            return scrape.families().keySet().stream().anyMatch(name -> name.startsWith(prefix)) ? null : "no family";
        }
        Matcher entry = Pattern.compile("([a-z_]+)(?:\\{(.*)})?").matcher(documented);
        if (!entry.matches()) {
            return "cannot read this README entry";
        }
        PrometheusText.Family family = scrape.families().get(entry.group(1));
        if (family == null || family.samples().isEmpty()) {
            return "no such family";
        }
        if (entry.group(2) == null) {
            return null;
        }
        for (String label : entry.group(2).split(",")) {
            String[] nameAndValues = label.split("=", 2);
            for (PrometheusText.Sample sample : family.samples()) {
                if (!sample.labels().containsKey(nameAndValues[0])) {
                    return sample.name() + " has no label " + nameAndValues[0];
                }
            }
            if (nameAndValues.length == 2) {
                for (String value : nameAndValues[1].replace("\\|", "|").split("\\|")) {
                    if (family.samples().stream().noneMatch(s -> value.equals(s.labels().get(nameAndValues[0])))) {
                        return "no series with " + nameAndValues[0] + "=" + value;
                    }
                }
            }
        }
        return null;
    }

    /** The backticked names in the first column of the README's metrics table. */
    private static List<String> readmeMetrics() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("| Metric | What it tells |");
        assertTrue(start >= 0, "README has a metrics table");
        List<String> names = new ArrayList<>();
        for (String row : readme.substring(start).split("\n")) {
            if (!row.startsWith("|")) {
                break;
            }
            String firstColumn = row.substring(1).split("(?<!\\\\)\\|")[0];
            Matcher code = Pattern.compile("`([^`]+)`").matcher(firstColumn);
            while (code.find()) {
                names.add(code.group(1));
            }
        }
        assertTrue(names.size() > 20, "read the README's metrics: " + names);
        return names;
    }

    @Test
    void everyFamilyHasAHelpTextAndBaseUnits() {
        PrometheusText scrape = scrape();
        List<String> problems = new ArrayList<>();
        for (PrometheusText.Family family : scrape.families().values()) {
            String name = family.name;
            if (family.help() == null || family.help().isBlank()) {
                problems.add(name + ": empty HELP");
            }
            if (family.type() == null) {
                problems.add(name + ": no TYPE");
            }
            if (name.matches(".*_(ms|ns|millis|milliseconds|nanoseconds)(_.*)?")) {
                problems.add(name + ": not in base units");
            }
            if (name.matches(".*_(latency|time)_(avg|max)") || name.matches(".*(latency|time)_total")) {
                problems.add(name + ": a time without _seconds");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(scrape.families().containsKey("process_cpu_seconds_total"), "CPU time in seconds");
        assertTrue(scrape.families().containsKey("kafka_consumer_coordinator_commit_latency_avg_seconds"),
                "Kafka's commit latency, in ms, exported in seconds");
    }

    @Test
    void consumerLagIsExportedOncePerPartition() {
        await("lag of every partition").atMost(Duration.ofSeconds(30))
                .until(() -> lagByPartition(scrape()).size() == TestRelays.PARTITIONS);
        PrometheusText scrape = scrape();
        List<PrometheusText.Sample> lag = scrape.families().get("kafka_consumer_fetch_manager_records_lag").samples();
        assertEquals(TestRelays.PARTITIONS, lag.size(), "one series per partition: " + lag);
        for (PrometheusText.Sample sample : lag) {
            assertEquals(topic, sample.labels().get("topic"), "the topic as it is named, not with dots made underscores");
        }
        Map<String, List<PrometheusText.Sample>> byPartition = lagByPartition(scrape);
        byPartition.forEach((partition, samples) -> assertEquals(1, samples.size(), "partition " + partition));
        for (PrometheusText.Family family : scrape.families().values()) {
            for (PrometheusText.Sample sample : family.samples()) {
                String tagged = sample.labels().get("topic");
                assertFalse(tagged != null && !tagged.equals(topic) && tagged.equals(topic.replace('.', '_')),
                        "a duplicate under the legacy topic tag: " + sample);
            }
        }
    }

    private static Map<String, List<PrometheusText.Sample>> lagByPartition(PrometheusText scrape) {
        Map<String, List<PrometheusText.Sample>> byPartition = new HashMap<>();
        PrometheusText.Family lag = scrape.families().get("kafka_consumer_fetch_manager_records_lag");
        if (lag != null) {
            lag.samples().forEach(s -> byPartition.computeIfAbsent(s.labels().get("partition"), p -> new ArrayList<>()).add(s));
        }
        return byPartition;
    }

    @Test
    void theGrafanaDashboardQueriesOnlyRealMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("docs/grafana-dashboard.json").toFile());
        assertFalse(dashboard.path("title").asText().isBlank(), "title");
        assertTrue(dashboard.path("panels").size() >= 8, "panels");
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertFalse(panel.path("title").asText().isBlank(), "panel title");
            assertTrue(panel.path("targets").size() > 0, "panel " + panel.path("title") + " has queries");
            panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
        }
        dashboard.path("templating").path("list").forEach(variable -> {
            if (variable.path("type").asText().equals("query")) {
                expressions.add(variable.path("query").asText());
            }
        });
        assertMetricsExist("docs/grafana-dashboard.json", expressions);
    }

    @Test
    void theAlertRulesAreWellFormedAndQueryOnlyRealMetrics() throws IOException {
        JsonNode rules = new YAMLMapper().readTree(ROOT.resolve("docs/prometheus-alerts.yml").toFile());
        assertTrue(rules.path("groups").isArray() && rules.path("groups").size() > 0, "groups");
        Set<String> allowed = Set.of("alert", "expr", "for", "keep_firing_for", "labels", "annotations");
        List<String> expressions = new ArrayList<>();
        Set<String> alertNames = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            assertTrue(group.path("name").isTextual() && !group.path("name").asText().isBlank(), "group name");
            assertTrue(group.path("rules").isArray() && group.path("rules").size() > 0, "group rules");
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                assertTrue(alert.matches("[A-Za-z_][A-Za-z0-9_]*"), "alert name: " + rule);
                assertTrue(alertNames.add(alert), "unique alert name " + alert);
                rule.fieldNames().forEachRemaining(field -> assertTrue(allowed.contains(field), alert + ": " + field));
                assertTrue(rule.path("expr").isTextual() && !rule.path("expr").asText().isBlank(), alert + ": expr");
                if (rule.has("for")) {
                    assertTrue(rule.path("for").asText().matches("(\\d+(ms|s|m|h|d|w|y))+"), alert + ": for");
                }
                for (String map : List.of("labels", "annotations")) {
                    if (rule.has(map)) {
                        assertTrue(rule.path(map).isObject(), alert + ": " + map);
                        rule.path(map).properties().forEach(e -> assertTrue(e.getValue().isTextual(),
                                alert + ": " + map + "." + e.getKey() + " must be a string"));
                    }
                }
                assertTrue(rule.path("labels").path("severity").isTextual(), alert + ": severity");
                assertFalse(rule.path("annotations").path("summary").asText().isBlank(), alert + ": summary");
                expressions.add(rule.path("expr").asText());
            }
        }
        String all = String.join("\n", expressions);
        for (String covered : List.of("kafka_consumer_fetch_manager_records_lag", "relay_events_dropped_total",
                "relay_dead_lettered_total", "relay_sessions_closed_total{code=\"4429\"}", "relay_ready")) {
            assertTrue(all.contains(covered), "an alert on " + covered);
        }
        assertMetricsExist("docs/prometheus-alerts.yml", expressions);
    }

    private static void assertMetricsExist(String file, List<String> expressions) {
        Set<String> exported = scrape().sampleNames();
        Set<String> unknown = new TreeSet<>();
        for (String expression : expressions) {
            Matcher metric = PROMQL_METRIC.matcher(expression.replaceAll("\"[^\"]*\"", "\"\""));
            boolean any = false;
            while (metric.find()) {
                any = true;
                if (!exported.contains(metric.group()) && !PROMETHEUS_OWN.contains(metric.group())) {
                    unknown.add(metric.group());
                }
            }
            assertTrue(any, file + ": no metric in " + expression);
        }
        assertTrue(unknown.isEmpty(), file + " uses metrics a node does not export: " + unknown);
    }
}
