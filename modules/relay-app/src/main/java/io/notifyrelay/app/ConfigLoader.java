package io.notifyrelay.app;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.notifyrelay.core.routing.ContactPartitioners;
import io.notifyrelay.websocket.listener.DescriptorLimit;

/**
 * Reads a {@link RelayConfig} from command-line flags and environment variables (flags win) and
 * validates all of it up front, so a bad setting stops start-up with one message listing every fix.
 */
public final class ConfigLoader {

    private static final String KAFKA_PROPERTY_ENV_PREFIX = "RELAY_KAFKA_PROPERTY_";
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)");

    private final Map<ConfigOption, String> values = new EnumMap<>(ConfigOption.class);
    private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
    /** The standard OpenTelemetry variables (OTEL_*), read by the SDK when tracing is on. */
    private final Map<String, String> otelEnvironment = new java.util.TreeMap<>();
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader() {
    }

    /** Thrown for {@code --help}: the caller prints the reference and exits 0. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super(null, null, false, false);
        }
    }

    public static RelayConfig load(String[] args, Map<String, String> env) {
        ConfigLoader loader = new ConfigLoader();
        loader.readEnv(env);
        loader.readArgs(args);
        return loader.build();
    }

    private void readEnv(Map<String, String> env) {
        env.forEach((name, value) -> {
            if (name.startsWith("OTEL_") && value != null) {
                otelEnvironment.put(name, value.trim());
            }
        });
        for (ConfigOption option : ConfigOption.values()) {
            String value = env.get(option.envName());
            if (value != null && !value.isBlank() && option != ConfigOption.KAFKA_PROPERTY) {
                values.put(option, value.trim());
            }
        }
        env.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PROPERTY_ENV_PREFIX) && name.length() > KAFKA_PROPERTY_ENV_PREFIX.length()) {
                String property = name.substring(KAFKA_PROPERTY_ENV_PREFIX.length()).toLowerCase(Locale.ROOT)
                        .replace('_', '.');
                kafkaProperties.put(property, value);
            }
        });
    }

    private void readArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            ConfigOption option = byFlag(flag);
            if (option == null) {
                problems.add("unknown argument '" + arg + "' (run with --help for the list)");
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    problems.add(flag + " needs a value");
                    continue;
                }
                value = args[++i];
            }
            if (option == ConfigOption.KAFKA_PROPERTY) {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    problems.add("--kafka-property takes name=value, got '" + value + "'");
                } else {
                    kafkaProperties.put(value.substring(0, eq).trim(), value.substring(eq + 1));
                }
            } else {
                values.put(option, value.trim());
            }
        }
    }

    private static ConfigOption byFlag(String flag) {
        for (ConfigOption option : ConfigOption.values()) {
            if (option.flag().equals(flag)) {
                return option;
            }
        }
        return null;
    }

    private RelayConfig build() {
        String bootstrap = string(ConfigOption.KAFKA_BOOTSTRAP_SERVERS);
        if (bootstrap == null) {
            problems.add(ConfigOption.KAFKA_BOOTSTRAP_SERVERS.envName()
                    + " is required: the Kafka brokers to read from, e.g. localhost:9092");
        } else if (!bootstrap.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
            problems.add(ConfigOption.KAFKA_BOOTSTRAP_SERVERS.envName() + " must be host:port[,host:port], got '"
                    + bootstrap + "'");
        }
        String groupProtocol = string(ConfigOption.GROUP_PROTOCOL).toLowerCase(Locale.ROOT);
        if (!groupProtocol.equals("classic") && !groupProtocol.equals("consumer")) {
            problems.add(ConfigOption.GROUP_PROTOCOL.envName() + " must be 'classic' or 'consumer', got '"
                    + groupProtocol + "'");
        }
        for (String reserved : List.of("bootstrap.servers", "group.id", "group.protocol", "group.instance.id",
                "enable.auto.commit", "key.deserializer", "value.deserializer")) {
            if (kafkaProperties.containsKey(reserved)) {
                problems.add("Kafka property '" + reserved + "' is set by the relay itself; use the relay's own "
                        + "setting instead of a pass-through property");
            }
        }
        String modeSetting = string(ConfigOption.MODE);
        String mode = NodeMode.parse(modeSetting).map(NodeMode::wireName).orElse(null);
        if (mode == null) {
            problems.add(ConfigOption.MODE.envName() + " must be 'anywhere' (the default; 'broadcast' is its old "
                    + "name) or 'owner' ('group' is its old name), got '" + modeSetting + "'");
        }
        String partitioner = string(ConfigOption.PARTITIONER);
        try {
            partitioner = ContactPartitioners.byName(partitioner).name();
        } catch (IllegalArgumentException e) {
            problems.add(ConfigOption.PARTITIONER.envName() + ": " + e.getMessage());
        }
        RelayConfig.Kafka kafka = new RelayConfig.Kafka(bootstrap, nonBlank(ConfigOption.TOPIC),
                nonBlank(ConfigOption.GROUP_ID), groupProtocol, string(ConfigOption.GROUP_INSTANCE_ID),
                positiveInt(ConfigOption.MAX_RECORD_BYTES), kafkaProperties, mode, partitioner,
                boundedDuration(ConfigOption.METADATA_REFRESH, Duration.ofSeconds(1), Duration.ofMinutes(5)),
                boundedDuration(ConfigOption.KAFKA_UNREACHABLE_AFTER, Duration.ofSeconds(2), Duration.ofMinutes(5)),
                startupTimeout());

        int port = integer(ConfigOption.HTTP_PORT);
        if (port < 0 || port > 65535) {
            problems.add(ConfigOption.HTTP_PORT.envName() + " must be 0..65535, got " + port);
        }
        String advertised = string(ConfigOption.ADVERTISED_URL);
        if (advertised != null && !advertised.matches("wss?://[^\\s/]+(/\\S*)?")) {
            problems.add(ConfigOption.ADVERTISED_URL.envName() + " must be a ws:// or wss:// URL such as "
                    + "ws://relay-1.example.com:8080/v1/ws, got '" + advertised + "'");
        }
        SecurityOptions security = new SecurityOptions(this::string, this::duration, problems);
        RelayConfig.Http http = new RelayConfig.Http(nonBlank(ConfigOption.HTTP_HOST), port, advertised,
                security.tls());

        byte[] secret = null;
        String secretText = string(ConfigOption.JWT_SECRET);
        if (secretText != null) {
            secret = secretText.getBytes(StandardCharsets.UTF_8);
            if (secret.length < 32) {
                problems.add(ConfigOption.JWT_SECRET.envName() + " must be at least 32 bytes for HS256 (it has "
                        + secret.length + "); generate one with: openssl rand -base64 48");
            }
        }
        String publicKey = publicKeyPem();
        RelayConfig.Jwks jwks = security.jwks();
        if (secretText == null && publicKey == null && string(ConfigOption.JWT_JWKS_URL) == null
                && !problems.stream().anyMatch(p -> p.contains("JWT_PUBLIC_KEY"))) {
            problems.add("no way to verify tokens: set " + ConfigOption.JWT_SECRET.envName() + " (HS256), "
                    + ConfigOption.JWT_PUBLIC_KEY.envName() + " (RS256/ES256 PEM) or "
                    + ConfigOption.JWT_JWKS_URL.envName() + " (the identity provider's keys)");
        }
        RelayConfig.Auth auth = new RelayConfig.Auth(secret, publicKey, security.clockSkew(),
                positiveDuration(ConfigOption.AUTH_TIMEOUT), jwks, security.requiredClaims(), security.tokenExpiry());

        RelayConfig.Sessions sessions = new RelayConfig.Sessions(positiveDuration(ConfigOption.HEARTBEAT_INTERVAL),
                positiveInt(ConfigOption.SESSION_MAX_BUFFER_BYTES), positiveInt(ConfigOption.MAX_FRAME_BYTES),
                positiveInt(ConfigOption.MAX_CONTACTS_PER_SESSION), positiveInt(ConfigOption.MAX_CONTACT_ID_BYTES),
                positiveInt(ConfigOption.MAX_SUBSCRIPTION_BYTES));
        if (sessions.maxSubscriptionBytes() < sessions.maxContactIdBytes()) {
            problems.add(ConfigOption.MAX_SUBSCRIPTION_BYTES.envName() + " must be at least "
                    + ConfigOption.MAX_CONTACT_ID_BYTES.envName() + " (one contact must fit)");
        }

        RelayConfig.Replay replay = new RelayConfig.Replay(nonNegativeInt(ConfigOption.REPLAY_WINDOW),
                positiveInt(ConfigOption.REPLAY_WINDOW_MAX_BYTES),
                positiveInt(ConfigOption.REPLAY_MAX_RECORDS), positiveDuration(ConfigOption.REPLAY_TIMEOUT),
                positiveInt(ConfigOption.REPLAY_CONCURRENCY), positiveInt(ConfigOption.REPLAY_MAX_QUEUED_PER_SESSION),
                positiveInt(ConfigOption.REPLAY_MAX_QUEUED_PER_LOB));

        String deadLetterTopic = string(ConfigOption.DEAD_LETTER_TOPIC);
        if (deadLetterTopic == null) {
            deadLetterTopic = kafka.topic() + ".dlq";
        } else if (deadLetterTopic.equalsIgnoreCase("none")) {
            deadLetterTopic = null;
        } else if (deadLetterTopic.equals(kafka.topic())) {
            problems.add(ConfigOption.DEAD_LETTER_TOPIC.envName() + " must differ from the topic it protects");
        }
        String validation = string(ConfigOption.VALIDATION).toLowerCase(Locale.ROOT);
        if (!validation.equals("lenient") && !validation.equals("strict")) {
            problems.add(ConfigOption.VALIDATION.envName() + " must be 'lenient' or 'strict', got '" + validation + "'");
        }
        RelayConfig.Records records = new RelayConfig.Records(deadLetterTopic, validation.equals("strict"));

        java.util.Set<String> origins = new java.util.LinkedHashSet<>();
        String originList = string(ConfigOption.ALLOWED_ORIGINS);
        if (originList != null) {
            for (String origin : originList.split(",")) {
                String trimmed = origin.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (!trimmed.matches("https?://[^/\\s]+")) {
                    problems.add(ConfigOption.ALLOWED_ORIGINS.envName() + ": '" + trimmed
                            + "' is not an origin like https://app.example.com (scheme and host, no path)");
                }
                origins.add(trimmed);
            }
        }
        RelayConfig.Limits limits = new RelayConfig.Limits(positiveInt(ConfigOption.MAX_SESSIONS),
                positiveInt(ConfigOption.MAX_SESSIONS_PER_LOB), origins, positiveInt(ConfigOption.MAX_FRAMES_PER_SECOND));
        String logFormat = string(ConfigOption.LOG_FORMAT).toLowerCase(Locale.ROOT);
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            problems.add(ConfigOption.LOG_FORMAT.envName() + " must be 'text' or 'json', got '" + logFormat + "'");
        }
        if (!string(ConfigOption.LOG_LEVEL).toUpperCase(Locale.ROOT).matches("ERROR|WARN|INFO|DEBUG|TRACE")) {
            problems.add(ConfigOption.LOG_LEVEL.envName() + " must be ERROR, WARN, INFO, DEBUG or TRACE");
        }

        String nodeId = string(ConfigOption.NODE_ID);
        if (nodeId == null) {
            nodeId = hostName();
        }
        Duration shutdown = positiveDuration(ConfigOption.SHUTDOWN_TIMEOUT);
        EdgeOptions edgeOptions = new EdgeOptions(this::string, this::duration, problems,
                DescriptorLimit.ofThisProcess());
        RelayConfig.Edge edge = edgeOptions.edge(port);
        RelayConfig.Tracing tracing = tracing();
        RelayConfig.Feedback feedback = new FeedbackOptions(this::string, edgeOptions, problems)
                .feedback(kafka.topic(), deadLetterTopic);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        RelayConfig.Logging logging = new RelayConfig.Logging(logFormat,
                string(ConfigOption.LOG_LEVEL).toUpperCase(Locale.ROOT));
        return new RelayConfig(kafka, http, auth, sessions, replay, records, limits, logging, nodeId, shutdown, edge,
                tracing, feedback);
    }

    private String publicKeyPem() {
        String value = string(ConfigOption.JWT_PUBLIC_KEY);
        if (value == null) {
            return null;
        }
        if (value.contains("-----BEGIN")) {
            return value;
        }
        try {
            return Files.readString(Path.of(value));
        } catch (IOException | RuntimeException e) {
            problems.add(ConfigOption.JWT_PUBLIC_KEY.envName() + " is neither PEM text nor a readable file: "
                    + value);
            return null;
        }
    }

    private String string(ConfigOption option) {
        String value = values.get(option);
        return value != null ? value : option.defaultValue();
    }

    private String nonBlank(ConfigOption option) {
        String value = string(option);
        if (value == null || value.isBlank()) {
            problems.add(option.envName() + " must not be empty");
        }
        return value;
    }

    private int integer(ConfigOption option) {
        String value = string(option);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            problems.add(option.envName() + " must be a whole number, got '" + value + "'");
            return 0;
        }
    }

    private int nonNegativeInt(ConfigOption option) {
        int value = integer(option);
        if (value < 0) {
            problems.add(option.envName() + " must be 0 or more, got " + value);
        }
        return value;
    }

    private int positiveInt(ConfigOption option) {
        int value = integer(option);
        if (value <= 0 && string(option).matches("-?\\d+")) {
            problems.add(option.envName() + " must be greater than 0, got " + value);
        }
        return value;
    }

    private Duration duration(ConfigOption option) {
        String value = string(option).trim();
        Matcher matcher = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            switch (matcher.group(2)) {
                case "ms":
                    return Duration.ofMillis(amount);
                case "s":
                    return Duration.ofSeconds(amount);
                case "m":
                    return Duration.ofMinutes(amount);
                default:
                    return Duration.ofHours(amount);
            }
        }
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            problems.add(option.envName() + " must be a duration like 500ms, 10s, 2m or PT10S, got '" + value + "'");
            return Duration.ZERO;
        }
    }

    /** Tracing follows the OpenTelemetry conventions: off unless OTEL_TRACES_EXPORTER=otlp (and OTEL_SDK_DISABLED is not true). */
    private RelayConfig.Tracing tracing() {
        String exporter = otelEnvironment.getOrDefault("OTEL_TRACES_EXPORTER", "none").toLowerCase(Locale.ROOT);
        if (!exporter.equals("none") && !exporter.equals("otlp")) {
            problems.add("OTEL_TRACES_EXPORTER must be otlp or none (the relay ships the OTLP exporter only), got '"
                    + exporter + "'");
        }
        boolean disabled = otelEnvironment.getOrDefault("OTEL_SDK_DISABLED", "false").equalsIgnoreCase("true");
        return new RelayConfig.Tracing(exporter.equals("otlp") && !disabled, otelEnvironment);
    }

    private Duration startupTimeout() {
        Duration value = positiveDuration(ConfigOption.KAFKA_STARTUP_TIMEOUT);
        if (value.compareTo(Duration.ofMinutes(10)) > 0) {
            problems.add(ConfigOption.KAFKA_STARTUP_TIMEOUT.envName() + " must be at most 10m, got " + value);
        }
        return value;
    }

    private Duration boundedDuration(ConfigOption option, Duration min, Duration max) {
        Duration value = duration(option);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problems.add(option.envName() + " must be between " + min.toSeconds() + "s and " + max.toMinutes()
                    + "m, got '" + string(option) + "'");
        }
        return value;
    }

    private Duration positiveDuration(ConfigOption option) {
        Duration value = duration(option);
        if (value.isNegative() || (value.isZero() && problems.stream().noneMatch(p -> p.startsWith(option.envName())))) {
            problems.add(option.envName() + " must be greater than 0");
        }
        return value;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "relay-" + ProcessHandle.current().pid();
        }
    }
}
