package io.notifyrelay.bench;

import io.notifyrelay.core.schema.NotificationSchema;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What every phase of one run shares: the options, the broker, the load producer, the CPU layout, the notes that
 * end up in the JSON and the progress lines on the console.
 */
final class BenchContext implements AutoCloseable {

    static final String TOPIC = "notify.events";
    static final String SECRET = "notify-relay-bench-secret-0123456789abcdef";
    static final int CONTACT_LENGTH = 36;

    final BenchOptions o;
    final CpuLayout cpus;
    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();
    private BrokerProcess broker;
    private LoadProducer producer;
    private TraceSink traceSink;
    private int processCount;

    BenchContext(BenchOptions options, PrintStream out) {
        this.o = options;
        this.out = out;
        this.cpus = CpuLayout.choose(options);
    }

    /** Pins this JVM (the load generator), starts the broker and the producer. */
    void start() {
        try {
            Files.createDirectories(o.workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cpus.pinSelf();
        if (cpus.reason() != null) {
            note(cpus.reason());
        }
        Notifications notifications = new Notifications(o.notificationBytes, CONTACT_LENGTH);
        byte[] sample = notifications.build(SessionPopulation.contactId(0).getBytes(StandardCharsets.US_ASCII), 1L);
        var validation = NotificationSchema.instance().validate(sample);
        if (!validation.isValid()) {
            throw new IllegalStateException("the bench notification is not valid: " + validation.describeErrors());
        }
        broker = BrokerProcess.start(this);
        producer = new LoadProducer(broker.bootstrap(), TOPIC, notifications, o.lingerMs, o.tracing);
        if (o.tracing) {
            traceSink = TraceSink.start();
            progress("tracing on: relay spans exported with OTLP to %s", traceSink.endpoint());
        }
    }

    BrokerProcess broker() {
        return broker;
    }

    LoadProducer producer() {
        return producer;
    }

    /** The OTLP sink the relay exports to with --tracing on; null otherwise. */
    TraceSink traceSink() {
        return traceSink;
    }

    /** A number for the next child process's name and log file. */
    int nextProcessNumber() {
        return ++processCount;
    }

    void note(String note) {
        notes.add(note);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    void progress(String format, Object... args) {
        String time = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        out.printf(Locale.ROOT, "[bench " + time + "] " + format + "%n", args);
        out.flush();
    }

    @Override
    public void close() {
        if (traceSink != null) {
            traceSink.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (broker != null) {
            broker.close();
        }
        cpus.unpinSelf();
    }
}
