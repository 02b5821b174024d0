package io.notifyrelay.publisher.cli;

import io.notifyrelay.core.CloudEventHeaders;
import io.notifyrelay.publisher.NotifyPublisher;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed command line of {@link PublishCli}.
 *
 * @param contactId null to publish under the contactId inside the notification
 * @param file      the notification file, {@code -} for stdin; null when {@code example} is used
 * @param example   name of a bundled example; null when {@code file} is used
 * @param traceparent a W3C traceparent to continue; null to start a new trace
 * @param ttl       how long after publishing the notification expires ({@code ce_expirytime}); null: never
 */
record CliOptions(String bootstrapServers, String topic, String source, String lobId, String contactId, Path file,
                  String example, boolean listExamples, boolean help, String traceparent, java.time.Duration ttl) {

    CliOptions(String bootstrapServers, String topic, String source, String lobId, String contactId, Path file,
               String example, boolean listExamples, boolean help, String traceparent) {
        this(bootstrapServers, topic, source, lobId, contactId, file, example, listExamples, help, traceparent, null);
    }

    CliOptions(String bootstrapServers, String topic, String source, String lobId, String contactId, Path file,
               String example, boolean listExamples, boolean help) {
        this(bootstrapServers, topic, source, lobId, contactId, file, example, listExamples, help, null);
    }

    static final String ENV_BOOTSTRAP_SERVERS = "RELAY_KAFKA_BOOTSTRAP_SERVERS";
    static final String ENV_TOPIC = "RELAY_TOPIC";
    /** The OpenTelemetry convention for passing a trace context to a process through its environment. */
    static final String ENV_TRACEPARENT = "TRACEPARENT";
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    private static final Set<String> VALUED = Set.of(
            "--bootstrap-servers", "--topic", "--source", "--lob", "--contact", "--file", "--example", "--traceparent",
            "--ttl");
    private static final Set<String> FLAGS = Set.of("--list-examples", "--help");

    static final String USAGE = """
            Usage: publish --lob <lobId> (--file <path> | --example <name>) [options]
                   publish --list-examples
            Publishes one Notify API notification to Kafka in the Notify Relay envelope
            (key = contactId, CloudEvents binary-mode headers, value = the notification unchanged).
            The notification is checked against schemas/notification.schema.json first.

              --lob <lobId>                LOB that must receive it (ce_lobid). Required.
              --contact <contactId>        record key; defaults to the contactId inside the notification,
                                           and must match it when given
              --file <path>                notification JSON to publish; '-' reads standard input
              --example <name>             publish a bundled example (see --list-examples)
              --bootstrap-servers <hosts>  default: $RELAY_KAFKA_BOOTSTRAP_SERVERS (./scripts/publish sets it
                                           from .dev/bootstrap, the broker of ./scripts/dev), else localhost:9092
              --topic <topic>              default: $RELAY_TOPIC, else notify.events
              --source <uri>               ce_source, default urn:notify-api
              --traceparent <w3c>          trace to continue (sent as ce_traceparent); default: $TRACEPARENT,
                                           else a new trace
              --ttl <duration>             expire it this long after publishing (ce_expirytime), e.g. 90s,
                                           10m, 2h or PT10M: past it the relay shows it to nobody
              --list-examples              list the bundled examples and exit
              --help                       show this text

            Prints one line: topic=… partition=… offset=… eventId=… traceparent=… on success.
            Exit codes: 0 published, 2 usage or invalid notification, 1 Kafka failure.
            """;

    static CliOptions parse(List<String> args, Map<String, String> env) throws UsageException {
        Map<String, String> values = new HashMap<>();
        boolean listExamples = false;
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new UsageException(name + " takes no value");
                }
                listExamples |= name.equals("--list-examples");
                help |= name.equals("--help");
                continue;
            }
            if (!VALUED.contains(name)) {
                throw new UsageException("unknown argument: " + arg);
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(name + " needs a value");
                }
                value = args.get(++i);
            }
            if (value.isBlank()) {
                throw new UsageException(name + " must not be blank");
            }
            if (values.put(name, value) != null) {
                throw new UsageException(name + " given more than once");
            }
        }

        String bootstrapServers = firstNonBlank(values.get("--bootstrap-servers"), env.get(ENV_BOOTSTRAP_SERVERS),
                DEFAULT_BOOTSTRAP_SERVERS);
        String topic = firstNonBlank(values.get("--topic"), env.get(ENV_TOPIC), CloudEventHeaders.DEFAULT_TOPIC);
        String source = firstNonBlank(values.get("--source"), NotifyPublisher.DEFAULT_SOURCE);
        Path file = values.containsKey("--file") ? Path.of(values.get("--file")) : null;
        String example = values.get("--example");
        String traceparent = values.containsKey("--traceparent") ? values.get("--traceparent")
                : env.get(ENV_TRACEPARENT) == null || env.get(ENV_TRACEPARENT).isBlank() ? null
                : env.get(ENV_TRACEPARENT).trim();
        if (traceparent != null && !io.notifyrelay.core.TraceHeaders.isValid(traceparent)) {
            throw new UsageException("--traceparent must be a W3C traceparent such as "
                    + "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        }
        CliOptions options = new CliOptions(bootstrapServers, topic, source, values.get("--lob"), values.get("--contact"),
                file, example, listExamples, help, traceparent,
                values.containsKey("--ttl") ? ttl(values.get("--ttl")) : null);
        if (help || listExamples) {
            return options;
        }
        if (options.lobId() == null) {
            throw new UsageException("--lob is required");
        }
        if ((file == null) == (example == null)) {
            throw new UsageException("give exactly one of --file and --example");
        }
        return options;
    }

    /** 90s, 10m, 2h, 500ms or ISO-8601 (PT10M); positive. */
    private static java.time.Duration ttl(String value) throws UsageException {
        java.util.regex.Matcher shortForm = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(value.trim());
        java.time.Duration ttl;
        try {
            ttl = !shortForm.matches() ? java.time.Duration.parse(value.trim()) : switch (shortForm.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(Long.parseLong(shortForm.group(1)));
                case "s" -> java.time.Duration.ofSeconds(Long.parseLong(shortForm.group(1)));
                case "m" -> java.time.Duration.ofMinutes(Long.parseLong(shortForm.group(1)));
                default -> java.time.Duration.ofHours(Long.parseLong(shortForm.group(1)));
            };
        } catch (java.time.format.DateTimeParseException e) {
            throw new UsageException("--ttl must be a duration like 90s, 10m, 2h or PT10M, got '" + value + "'");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new UsageException("--ttl must be positive, got '" + value + "'");
        }
        return ttl;
    }

    private static String firstNonBlank(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        throw new IllegalStateException("no default");
    }
}
