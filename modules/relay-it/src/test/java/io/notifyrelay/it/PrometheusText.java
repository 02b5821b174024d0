package io.notifyrelay.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reader of the Prometheus text exposition format (0.0.4) as a scraper sees it: metric families with
 * their HELP, TYPE and samples. Strict about what it reads: a sample line it cannot parse fails the test.
 */
record PrometheusText(Map<String, Family> families) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static final class Family {
        final String name;
        String help;
        String type;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }

        String help() {
            return help;
        }

        String type() {
            return type;
        }

        List<Sample> samples() {
            return samples;
        }
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+(\\S+)(\\s+\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum", "_total", "_created", "_max");

    static PrometheusText parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ", 2);
                Family family = families.computeIfAbsent(parts[0], Family::new);
                String rest = parts.length > 1 ? parts[1] : "";
                if (line.startsWith("# HELP ")) {
                    if (family.help != null) {
                        throw new AssertionError("second HELP for " + parts[0]);
                    }
                    family.help = rest;
                } else {
                    family.type = rest;
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Matcher matcher = SAMPLE.matcher(line);
            if (!matcher.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (matcher.group(3) != null) {
                Matcher label = LABEL.matcher(matcher.group(3));
                int end = 0;
                while (label.find() && label.start() == end) {
                    labels.put(label.group(1), label.group(2));
                    end = label.end();
                }
                if (end != matcher.group(3).length()) {
                    throw new AssertionError("bad labels: " + line);
                }
            }
            String name = matcher.group(1);
            families.computeIfAbsent(familyOf(name, families), Family::new).samples
                    .add(new Sample(name, labels, Double.parseDouble(matcher.group(4))));
        }
        return new PrometheusText(families);
    }

    /** The family a sample belongs to: its own name, or that name less a histogram/counter suffix. */
    private static String familyOf(String sample, Map<String, Family> families) {
        if (families.containsKey(sample)) {
            return sample;
        }
        for (String suffix : SUFFIXES) {
            if (sample.endsWith(suffix) && families.containsKey(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return sample;
    }

    /** Every sample name a PromQL expression may use: family names and their _total/_bucket/... series. */
    java.util.Set<String> sampleNames() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Family family : families.values()) {
            names.add(family.name);
            family.samples.forEach(sample -> names.add(sample.name()));
        }
        return names;
    }
}
