package io.notifyrelay.app;

import java.util.concurrent.CountDownLatch;

/** Starts one relay node from flags and environment variables; stops it cleanly on SIGTERM / Ctrl-C. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 1 && args[0].equals("--config-reference")) {
            System.out.print(ConfigOption.markdownTable()); // for scripts/config-reference
            return;
        }
        RelayConfig config;
        try {
            config = ConfigLoader.load(args, System.getenv());
        } catch (ConfigLoader.HelpRequested help) {
            System.out.println("Usage: relay [--flag value ...]   (each flag also reads its environment variable)");
            System.out.println();
            System.out.print(ConfigOption.reference());
            return;
        } catch (ConfigException e) {
            System.err.println("notify-relay: " + e.getMessage());
            System.err.println("Run with --help for every setting.");
            System.exit(2);
            return;
        }
        // logback reads these when the first logger is created, which happens only after this point
        System.setProperty("RELAY_LOG_FORMAT", config.logging().format().toUpperCase(java.util.Locale.ROOT));
        System.setProperty("RELAY_LOG_LEVEL", config.logging().level());
        RelayNode node;
        try {
            node = RelayNode.start(config);
        } catch (IllegalStateException | IllegalArgumentException e) {
            System.err.println("notify-relay: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "relay-shutdown"));
        stopped.await();
    }
}
