package io.notifyrelay.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this node reaches Kafka: the probes (topic leaders; in group mode the group coordinator)
 * must have answered within {@code unreachableAfter}. On a change it tells the listener, and whether another
 * node is ready to take the sessions ({@code GET /health/ready} of the nodes in the last route table), so a
 * node cut off alone sends its clients elsewhere while, in a whole-cluster outage, clients stay and are told.
 */
final class KafkaLinkWatch implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaLinkWatch.class);
    private static final Duration TICK = Duration.ofMillis(500);

    private final Duration unreachableAfter;
    private final Supplier<Duration> sinceLastAnswer;
    private final Supplier<Collection<String>> peerUrls;
    private final BiConsumer<Boolean, Boolean> listener;
    private final Counter lost;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ScheduledExecutorService scheduler;
    private volatile boolean reachable = true;
    private volatile boolean peerReadyTold;

    /**
     * @param sinceLastAnswer the longest any probe has gone without an answer
     * @param peerUrls        WebSocket URLs of the other nodes, as last known
     * @param listener        (reachable, another node is ready): told on every change, on a scheduler thread
     */
    KafkaLinkWatch(Duration unreachableAfter, Supplier<Duration> sinceLastAnswer, Supplier<Collection<String>> peerUrls,
                   BiConsumer<Boolean, Boolean> listener, MeterRegistry registry) {
        this.unreachableAfter = unreachableAfter;
        this.sinceLastAnswer = sinceLastAnswer;
        this.peerUrls = peerUrls;
        this.listener = listener;
        Gauge.builder("relay.kafka.reachable", this, watch -> watch.reachable ? 1 : 0)
                .description("1 while this node reaches Kafka (topic leaders, group coordinator), else 0")
                .register(registry);
        this.lost = Counter.builder("relay.kafka.unreachable")
                .description("Times this node lost Kafka for longer than RELAY_KAFKA_UNREACHABLE_AFTER").register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-kafka-link");
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        scheduler.scheduleWithFixedDelay(this::check, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean reachable() {
        return reachable;
    }

    /** Cut off from Kafka while another node is ready: clients should be served there, routes asked there. */
    boolean sendingElsewhere() {
        return !reachable && peerReadyTold;
    }

    private void check() {
        try {
            Duration silent = sinceLastAnswer.get();
            boolean now = silent.compareTo(unreachableAfter) <= 0;
            if (now && !reachable) {
                reachable = true;
                peerReadyTold = false;
                log.info("Kafka reachable again");
                listener.accept(true, false);
            } else if (!now) {
                boolean peerReady = anyPeerReady();
                if (reachable) {
                    reachable = false;
                    lost.increment();
                    log.warn("No answer from Kafka for {} ms (RELAY_KAFKA_UNREACHABLE_AFTER {} ms): not ready; {}",
                            silent.toMillis(), unreachableAfter.toMillis(), peerReady
                                    ? "sending sessions to the other nodes" : "no other node is ready, sessions stay");
                    peerReadyTold = peerReady;
                    listener.accept(false, peerReady);
                } else if (peerReady && !peerReadyTold) {
                    peerReadyTold = true;
                    log.warn("Still no answer from Kafka; another node is ready now: sending sessions there");
                    listener.accept(false, true);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Kafka link check failed: {}", e.toString());
        }
    }

    private boolean anyPeerReady() {
        for (String url : peerUrls.get()) {
            try {
                URI ws = URI.create(url);
                String scheme = "wss".equals(ws.getScheme()) ? "https" : "http";
                URI ready = new URI(scheme, null, ws.getHost(), ws.getPort(), "/health/ready", null, null);
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(1))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                // that node is not reachable either; try the next
            }
        }
        return false;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
