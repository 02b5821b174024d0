package io.notifyrelay.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Everything one client knows, guarded by {@link #lock}: its configuration, the subscription (contacts, where
 * each is served, cursors), the sessions by node, its state and counters; and the parts that act on it, which
 * reach each other through it.
 */
final class ClientState {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    // ---- configuration ----
    final String name;
    final List<String> seeds;
    final Supplier<String> tokens;
    final boolean lobWide;
    final Consumer<RelayEvent> eventListener;
    final Consumer<StatusChange> statusListener;
    final Consumer<ClientError> errorListener;
    /** Acknowledge each event once the listener returned: the relay turns it into an {@code acknowledged} receipt. */
    final boolean ack;
    final Backoff backoff;
    final HttpClient http;
    final WebSocketTransport transport;
    final Duration requestTimeout;
    final Duration subscribeTimeout;
    final boolean sinceConfigured;
    final Instant configuredSince;
    final ScheduledExecutorService scheduler;
    /** The default listener executor, shut down on close; null when the application gave its own. */
    final ExecutorService ownListenerExecutor;
    final ListenerQueue listeners;

    // ---- state, guarded by lock ----
    final Object lock = new Object();
    final Set<String> contacts = new LinkedHashSet<>();
    /** contact → URL of the node it is (to be) subscribed at; absent = waiting for routes. */
    final Map<String, String> assignment = new HashMap<>();
    final Map<String, Node> nodes = new LinkedHashMap<>();
    final Set<String> knownUrls = new LinkedHashSet<>();
    /** LOB-wide: the last position per partition up to which every event was received. */
    final CursorBook cursors = new CursorBook();
    /** Contact mode: cursors saved by the application ({@link NotifyRelayClient.Builder#resumeFrom}), per partition. */
    final CursorBook seedCursors = new CursorBook();
    /** Contact mode: the partition of each contact, from the routes' partitioner or from its events. */
    final Map<String, Integer> contactPartition = new HashMap<>();
    /** Contact mode: how far each contact was received when it last left a session. */
    final Map<String, CursorBook.Position> contactCursors = new HashMap<>();
    final DedupeWindow dedupe;
    /**
     * The last sessionId each node welcomed this client with, sent back as {@code previousSession}: a 4429 close
     * queues behind the data the client did not read, so the node says on the next connection why it closed.
     */
    final Map<String, String> lastSessionByNode = new HashMap<>();
    /** Sessions this client saw closed with 4429 (already counted), until their node says so again. */
    final Set<String> tooSlowSeen = new java.util.HashSet<>();
    Routes routes;
    Instant since;
    ConnectionState state = ConnectionState.CONNECTING;
    boolean everLive;
    long notLiveSinceNanos = -1;
    boolean started;
    boolean closed;
    boolean failed;
    boolean offline;
    boolean stalled;
    boolean routesInFlight;
    boolean routesAgain;
    ScheduledFuture<?> routesTask;
    long routesDueNanos;
    int routesAttempts;

    // ---- counters, guarded by lock ----
    long eventsDelivered;
    long duplicatesDropped;
    long outsideSubscription;
    long reconnects;
    long movesFollowed;
    long resumes;
    long resumesIncomplete;
    long tooSlowCloses;
    long catchUps;
    long longestCatchUpNanos;
    String lastIncompleteReason;

    // ---- the parts, each one concern ----
    final RouteKeeper routing;
    final ContactPositions positions;
    final Sessions sessions;
    final Subscriptions subscriptions;
    final FrameHandler frames;
    final StatusTracker status;

    ClientState(NotifyRelayClient.Builder builder) {
        this.routing = new RouteKeeper(this);
        this.positions = new ContactPositions(this);
        this.sessions = new Sessions(this);
        this.subscriptions = new Subscriptions(this);
        this.frames = new FrameHandler(this);
        this.status = new StatusTracker(this);
        this.name = builder.name != null ? builder.name : "notify-relay-client-" + SEQUENCE.incrementAndGet();
        List<String> normalized = new ArrayList<>();
        for (String seed : builder.seeds) {
            normalized.add(Routes.webSocketUrl(seed));
        }
        this.seeds = List.copyOf(normalized);
        this.knownUrls.addAll(seeds);
        this.tokens = builder.tokens;
        this.lobWide = builder.lobWide;
        this.contacts.addAll(builder.contacts);
        this.eventListener = builder.eventListener;
        this.statusListener = builder.statusListener;
        this.errorListener = builder.errorListener;
        this.ack = builder.ack;
        this.backoff = new Backoff(builder.initialBackoff, builder.maxBackoff);
        this.requestTimeout = builder.requestTimeout;
        this.subscribeTimeout = builder.subscribeTimeout;
        this.http = builder.http != null ? builder.http
                : HttpClient.newBuilder().connectTimeout(builder.requestTimeout).build();
        this.transport = new WebSocketTransport(http, name);
        this.dedupe = new DedupeWindow(builder.dedupeWindow);
        this.cursors.seed(builder.initialCursors);
        this.seedCursors.seed(builder.initialCursors);
        this.sinceConfigured = builder.sinceConfigured;
        this.configuredSince = builder.since;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
        this.ownListenerExecutor = builder.listenerExecutor != null ? null
                : Executors.newSingleThreadExecutor(runnable -> {
                    Thread thread = new Thread(runnable, name + "-listeners");
                    thread.setDaemon(true);
                    return thread;
                });
        this.listeners = new ListenerQueue(name,
                builder.listenerExecutor != null ? builder.listenerExecutor : ownListenerExecutor,
                ack ? Math.min(builder.listenerBacklog, NotifyRelayClient.ACK_BACKLOG) : builder.listenerBacklog,
                sessions::releaseOwedReads);
    }

    /** A task for the scheduler or a callback that logs what it throws instead of dying silently. */
    Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, name + ": " + what + " failed", e);
            }
        };
    }
}
