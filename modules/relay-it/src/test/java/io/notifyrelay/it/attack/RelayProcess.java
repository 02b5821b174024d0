package io.notifyrelay.it.attack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A relay node as shipped, in a process of its own: the relay-app jar, its dependencies and its own logback.xml
 * (not the tests'), configured by environment, on port 0. Its stdout is kept line by line, so a test can assert on
 * the log an operator would read.
 */
public final class RelayProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on (ws://\\S+/v1/ws)");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private volatile String webSocketUrl;

    private RelayProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readOutput, "relay-process-stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a node with {@code env} and waits until it is ready. */
    public static RelayProcess start(Map<String, String> env) {
        Path target = Path.of("..", "relay-app", "target").toAbsolutePath().normalize();
        String jar;
        try (Stream<Path> files = Files.list(target)) {
            jar = files.map(Path::toString).filter(name -> name.matches(".*/relay-app-[^/]*\\.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no relay-app jar in " + target
                            + ": build relay-app first"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBin, "-Xmx256m", "-cp",
                jar + java.io.File.pathSeparator + target.resolve("lib") + "/*", "io.notifyrelay.app.Main"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("RELAY_"));
        builder.environment().putAll(env);
        RelayProcess relay;
        try {
            relay = new RelayProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            await("relay process listening").atMost(Duration.ofSeconds(60))
                    .until(() -> relay.webSocketUrl != null || !relay.process.isAlive());
            if (relay.webSocketUrl == null) {
                throw new IllegalStateException("relay process ended: " + relay.lines);
            }
            await("relay process ready").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> relay.get("/health/ready").statusCode() == 200);
        } catch (RuntimeException e) {
            relay.close();
            throw e;
        }
        return relay;
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                Matcher listening = LISTENING.matcher(line);
                if (webSocketUrl == null && listening.find()) {
                    webSocketUrl = listening.group(1);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    public URI webSocketUri() {
        return URI.create(webSocketUrl);
    }

    /** Every line the node wrote to stdout so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create(webSocketUrl.replace("ws://", "http://").replace("/v1/ws", path));
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM, then SIGKILL if it has not stopped in time. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
