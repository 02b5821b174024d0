package io.notifyrelay.testkit;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a single-node KRaft broker in the foreground for local development ({@code ./scripts/dev}):
 * {@code java -cp ... io.notifyrelay.testkit.DevKafkaBroker [--port 9092] [--data-dir DIR]}.
 * Without {@code --data-dir} the data is temporary. Stops cleanly on Ctrl-C / SIGTERM.
 */
public final class DevKafkaBroker {

    private DevKafkaBroker() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKraftKafka.Builder builder = EmbeddedKraftKafka.builder().port(9092);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> builder.port(Integer.parseInt(value(args, ++i, "--port")));
                case "--data-dir" -> builder.dataDirectory(Path.of(value(args, ++i, "--data-dir")));
                case "--extra-listener" -> {
                    // NAME:port:advertisedPort, for tests that put a forwarder in front of some clients
                    String[] parts = value(args, ++i, "--extra-listener").split(":");
                    builder.extraListener(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                }
                default -> {
                    System.err.println("usage: DevKafkaBroker [--port 9092] [--data-dir DIR]; unknown: " + args[i]);
                    System.exit(2);
                }
            }
        }
        EmbeddedKraftKafka kafka;
        try {
            kafka = builder.build().start();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "dev-kafka-shutdown"));
        System.out.println(KafkaBackends.BANNER_PREFIX + kafka.description());
        System.out.flush();
        stopped.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }
}
