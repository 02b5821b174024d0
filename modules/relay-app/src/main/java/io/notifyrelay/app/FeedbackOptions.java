package io.notifyrelay.app;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Reads and checks for {@link ConfigLoader} the receipts and presence settings. */
final class FeedbackOptions {

    private final Function<ConfigOption, String> string;
    private final EdgeOptions bounds;
    private final List<String> problems;

    FeedbackOptions(Function<ConfigOption, String> string, EdgeOptions bounds, List<String> problems) {
        this.string = string;
        this.bounds = bounds;
        this.problems = problems;
    }

    /** @param deadLetterTopic the dead-letter topic or null, which neither topic may be */
    RelayConfig.Feedback feedback(String topic, String deadLetterTopic) {
        String receipts = topicOrNone(ConfigOption.RECEIPTS_TOPIC, topic + ".receipts", topic, deadLetterTopic);
        String presence = topicOrNone(ConfigOption.PRESENCE_TOPIC, topic + ".presence", topic, deadLetterTopic);
        if (receipts != null && receipts.equals(presence)) {
            problems.add(ConfigOption.RECEIPTS_TOPIC.envName() + " and " + ConfigOption.PRESENCE_TOPIC.envName()
                    + " must differ");
        }
        return new RelayConfig.Feedback(receipts, bounds.intBetween(ConfigOption.RECEIPTS_MAX_QUEUED, 1, 10_000_000),
                presence, bounds.durationBetween(ConfigOption.PRESENCE_INTERVAL, Duration.ofMillis(500),
                Duration.ofMinutes(1)), bounds.intBetween(ConfigOption.PRESENCE_MAX_CONTACTS, 0, 1_000_000));
    }

    private String topicOrNone(ConfigOption option, String byDefault, String topic, String deadLetterTopic) {
        String value = string.apply(option);
        if (value == null) {
            return byDefault;
        }
        if (value.toLowerCase(Locale.ROOT).equals("none")) {
            return null;
        }
        if (value.equals(topic) || value.equals(deadLetterTopic)) {
            problems.add(option.envName() + " must differ from the notification and dead-letter topics");
        }
        return value;
    }
}
