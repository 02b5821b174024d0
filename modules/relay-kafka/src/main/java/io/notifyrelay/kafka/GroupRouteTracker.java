package io.notifyrelay.kafka;

import io.notifyrelay.core.routing.RouteTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns which node owns which partition by describing the relay's consumer group with the Admin API.
 *
 * <p>Each node's consumer carries its advertised WebSocket URL in its {@code client.id}
 * ({@link #clientIdFor}), so the group coordinator's own view of the assignment, which both the classic
 * and the KIP-848 protocol expose, is the route table: no extra topic, no extra state to keep right.
 * Every node refreshes it every {@code interval} and at once when its own partitions change.
 */
public final class GroupRouteTracker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupRouteTracker.class);
    static final String CLIENT_ID_PREFIX = "notify-relay@";

    private final Admin admin;
    private final String groupId;
    private final String topic;
    private final java.util.function.IntSupplier partitionCount;
    /** When the coordinator last answered a describe; start-up until the first answer. */
    private volatile long lastAnswerNanos = System.nanoTime();
    private volatile int members;
    private volatile java.util.Set<String> memberUrls = java.util.Set.of();
    private final Duration interval;
    private final Consumer<RouteTable> listener;
    private final ScheduledExecutorService scheduler;
    private volatile RouteTable current;

    public GroupRouteTracker(ConsumerSettings settings, java.util.function.IntSupplier partitionCount, Duration interval,
                             Consumer<RouteTable> listener) {
        Map<String, Object> config = new HashMap<>(settings.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "notify-relay-routes");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        // pass-through consumer-only properties would only produce warnings here
        config.keySet().removeIf(key -> !AdminClientConfig.configNames().contains(key));
        this.admin = Admin.create(config);
        this.groupId = settings.groupId();
        this.topic = settings.topic();
        this.partitionCount = partitionCount;
        this.interval = interval;
        this.listener = listener;
        this.current = RouteTable.empty(partitionCount.getAsInt());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-routes");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The client id that advertises a node's URL to the other nodes. */
    public static String clientIdFor(String advertisedUrl) {
        return CLIENT_ID_PREFIX + advertisedUrl;
    }

    static Optional<String> advertisedUrlOf(String clientId) {
        return clientId != null && clientId.startsWith(CLIENT_ID_PREFIX)
                ? Optional.of(clientId.substring(CLIENT_ID_PREFIX.length()))
                : Optional.empty();
    }

    public void start() {
        scheduler.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Asks for a refresh soon, e.g. after this node's own partitions changed. */
    public void refreshSoon() {
        scheduler.schedule(this::refresh, 200, TimeUnit.MILLISECONDS);
    }

    public RouteTable current() {
        return current;
    }

    /** Time since the group coordinator last answered (or since start-up). */
    public Duration sinceLastAnswer() {
        return Duration.ofNanos(System.nanoTime() - lastAnswerNanos);
    }

    /** Members of the group at the last answer. */
    public int members() {
        return members;
    }

    /** The advertised URLs of the group's members at the last answer, owners of partitions or not. */
    public java.util.Set<String> memberUrls() {
        return memberUrls;
    }

    private void refresh() {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all()
                    .get(10, TimeUnit.SECONDS).get(groupId);
            lastAnswerNanos = System.nanoTime();
            members = group.members().size();
            int partitions = partitionCount.getAsInt();
            Map<Integer, String> owners = new HashMap<>();
            java.util.Set<String> urls = new java.util.TreeSet<>();
            for (MemberDescription member : group.members()) {
                Optional<String> url = advertisedUrlOf(member.clientId());
                if (url.isEmpty()) {
                    continue;
                }
                urls.add(url.get());
                for (TopicPartition partition : member.assignment().topicPartitions()) {
                    if (partition.topic().equals(topic)) {
                        owners.put(partition.partition(), url.get());
                    }
                }
            }
            memberUrls = java.util.Set.copyOf(urls);
            RouteTable table = new RouteTable(partitions, owners, Instant.now());
            boolean changed = !table.owners().equals(current.owners()) || partitions != current.partitionCount();
            current = table;
            if (changed) {
                log.info("Routes changed: {} of {} partitions have an owner; owners {}", owners.size(),
                        partitions, new java.util.TreeSet<>(owners.values()));
                listener.accept(table);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // routes are refreshed again on the next tick; a stale table only delays moves
            log.warn("Could not describe consumer group {}: {}", groupId, e.toString());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
