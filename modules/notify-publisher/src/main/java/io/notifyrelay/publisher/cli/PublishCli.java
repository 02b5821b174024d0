package io.notifyrelay.publisher.cli;

import io.notifyrelay.core.schema.NotificationSchema;
import io.notifyrelay.publisher.Expiry;
import io.notifyrelay.publisher.InvalidNotificationException;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishFailedException;
import io.notifyrelay.publisher.PublishResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;

/**
 * {@code scripts/publish}: publishes one notification from a file, stdin or a bundled example.
 * Run with {@code --help} for the options. Exit codes: 0 published, 2 usage or invalid notification,
 * 1 Kafka failure.
 *
 * <p>Arguments are parsed by hand: nine options do not justify a parser dependency in target/lib.
 */
public final class PublishCli {

    static final int OK = 0;
    static final int KAFKA_FAILURE = 1;
    static final int USAGE_OR_INVALID = 2;

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream stdin;
    private final Map<String, String> env;
    private final Function<CliOptions, NotifyPublisher> publisherFactory;

    PublishCli(PrintStream out, PrintStream err, InputStream stdin, Map<String, String> env,
               Function<CliOptions, NotifyPublisher> publisherFactory) {
        this.out = out;
        this.err = err;
        this.stdin = stdin;
        this.env = env;
        this.publisherFactory = publisherFactory;
    }

    public static void main(String[] args) {
        // before any logger exists: keep Kafka's INFO chatter off stdout, which carries the result line
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "notify-publisher/cli-logback.xml");
        }
        int exitCode = new PublishCli(System.out, System.err, System.in, System.getenv(), PublishCli::kafkaPublisher)
                .run(args);
        System.exit(exitCode);
    }

    /** A publisher that gives up within ~30 s when the cluster is unreachable, as suits a command line. */
    static NotifyPublisher kafkaPublisher(CliOptions options) {
        return NotifyPublisher.builder()
                .bootstrapServers(options.bootstrapServers())
                .topic(options.topic())
                .source(options.source())
                .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000)
                .producerProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000)
                .producerProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000)
                .build();
    }

    int run(String... args) {
        CliOptions options;
        try {
            options = CliOptions.parse(Arrays.asList(args), env);
        } catch (UsageException e) {
            err.println("publish: " + e.getMessage());
            err.println("Try 'publish --help'.");
            return USAGE_OR_INVALID;
        }
        if (options.help()) {
            out.print(CliOptions.USAGE);
            return OK;
        }
        if (options.listExamples()) {
            BundledExamples.names().forEach(out::println);
            return OK;
        }

        byte[] notification;
        try {
            notification = readNotification(options);
        } catch (UsageException e) {
            err.println("publish: " + e.getMessage());
            return USAGE_OR_INVALID;
        }
        // validate before connecting: an invalid notification should not wait for a broker
        var validation = NotificationSchema.instance().validate(notification);
        if (!validation.isValid()) {
            err.println("publish: " + new InvalidNotificationException(validation.errors()).getMessage());
            return USAGE_OR_INVALID;
        }

        try (NotifyPublisher publisher = publisherFactory.apply(options);
             io.opentelemetry.context.Scope trace = continued(options.traceparent()).makeCurrent()) {
            Expiry expiry = options.ttl() == null ? Expiry.NONE : Expiry.after(options.ttl());
            PublishResult result = options.contactId() == null
                    ? publisher.publish(options.lobId(), notification, expiry)
                    : publisher.publish(options.lobId(), options.contactId(), notification, expiry);
            String contactId = options.contactId() == null ? validation.contactId() : options.contactId();
            out.println(result.describe() + " contactId=" + contactId + " lobId=" + options.lobId()
                    + " type=" + validation.payloadType().cloudEventType());
            return OK;
        } catch (InvalidNotificationException e) {
            err.println("publish: " + e.getMessage());
            return USAGE_OR_INVALID;
        } catch (PublishFailedException e) {
            err.println("publish: " + e.getMessage());
            err.println("publish: is the cluster at " + options.bootstrapServers() + " reachable, and does topic "
                    + options.topic() + " exist?");
            return KAFKA_FAILURE;
        } catch (KafkaException e) {
            // the producer constructor wraps bad settings (e.g. an unresolvable bootstrap host) in a KafkaException
            ConfigException badSetting = configCause(e);
            if (badSetting != null) {
                err.println("publish: bad Kafka setting: " + badSetting.getMessage());
                return USAGE_OR_INVALID;
            }
            err.println("publish: " + e + (e.getCause() == null ? "" : " caused by " + e.getCause()));
            return KAFKA_FAILURE;
        }
    }

    private static ConfigException configCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException config) {
                return config;
            }
        }
        return null;
    }

    private byte[] readNotification(CliOptions options) throws UsageException {
        if (options.example() != null) {
            return BundledExamples.read(options.example());
        }
        Path file = options.file();
        try {
            return file.toString().equals("-") ? stdin.readAllBytes() : Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("no such file: " + file, e);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e, e);
        }
    }

    /** The trace to publish in: the given traceparent as a remote parent, or none (the publisher starts one). */
    private static io.opentelemetry.context.Context continued(String traceparent) {
        io.opentelemetry.context.Context root = io.opentelemetry.context.Context.root();
        if (traceparent == null) {
            return root;
        }
        return io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance().extract(root,
                java.util.Map.of("traceparent", traceparent), new io.opentelemetry.context.propagation.TextMapGetter<>() {
                    @Override
                    public Iterable<String> keys(java.util.Map<String, String> carrier) {
                        return carrier.keySet();
                    }

                    @Override
                    public String get(java.util.Map<String, String> carrier, String key) {
                        return carrier == null ? null : carrier.get(key);
                    }
                });
    }
}
