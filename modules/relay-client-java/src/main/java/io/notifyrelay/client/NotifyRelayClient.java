package io.notifyrelay.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import io.notifyrelay.client.NodeSession.Pending;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * A client of the relay's WebSocket API that does what a good client should, so an application sees every
 * event addressed to its subscription exactly once, in order per contact, across node crashes, restarts,
 * partition moves, network cuts and slow reads.
 *
 * <ul>
 *   <li><b>Routes.</b> It reads {@code GET /v1/routes} from any node it knows. In the relay's default mode
 *       (anywhere) it holds one session with one node. In owner mode it opens one session per node that owns
 *       part of the subscription ({@link SubscriptionPlanner}) and follows {@code moved} frames.</li>
 *   <li><b>Reconnects.</b> A lost session is re-opened after an exponential backoff with full jitter,
 *       re-reading the routes first. A 4401 close fetches a fresh token from the token provider; a 4403
 *       stops the client ({@link ConnectionState#FAILED}); a 4429 (too slow) reconnects at once.</li>
 *   <li><b>Resume.</b> It keeps the last cursor per partition and sends them with every subscription, plus
 *       a {@code since} time for partitions it has no cursor for yet, so the node replays what was missed.
 *       A cursor only advances on events of partitions the node announced in {@code subscribed}, and only
 *       once a replay is over, so a cursor never skips an event the client has not seen.</li>
 *   <li><b>Exactly once.</b> Replays and moves can repeat events; a window of recent ids drops them.</li>
 * </ul>
 *
 * <p>Thread-safe. The listeners are called one at a time, in order, on the listener executor (default: a
 * thread of the client's own), outside the client's lock and never on the JDK's I/O threads. A listener that
 * falls more than the listener backlog behind makes the client stop reading; a node eventually closes a
 * session that reads too slowly (4429), and the client then resumes it from its cursors.
 */
public final class NotifyRelayClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** Contacts per {@code subscribe} frame, well inside the relay's default 64 KiB frame limit. */
    static final int CONTACTS_PER_FRAME = 500;
    /** Abnormal closure (no close frame), as RFC 6455 reports a dropped connection. */
    static final int ABNORMAL = WebSocketTransport.ABNORMAL;
    /**
     * Listener calls that may wait when acknowledging: a node takes an {@code ack} only for a session's last 64
     * events, so the listener must not fall further behind than that (half of it leaves room for the socket).
     */
    static final int ACK_BACKLOG = 32;
    /** The longest {@code previousSession} a node takes. */
    private static final int MAX_SESSION_ID = 64;

    // ---- configuration ----
    private final String name;
    private final List<String> seeds;
    private final Supplier<String> tokens;
    private final boolean lobWide;
    private final Consumer<RelayEvent> eventListener;
    private final Consumer<StatusChange> statusListener;
    private final Consumer<ClientError> errorListener;
    /** Acknowledge each event once the listener returned: the relay turns it into an {@code acknowledged} receipt. */
    private final boolean ack;
    private final Backoff backoff;
    private final HttpClient http;
    private final WebSocketTransport transport;
    private final Duration requestTimeout;
    private final Duration subscribeTimeout;
    private final boolean sinceConfigured;
    private final Instant configuredSince;
    private final ScheduledExecutorService scheduler;
    /** The default listener executor, shut down on close; null when the application gave its own. */
    private final ExecutorService ownListenerExecutor;
    private final ListenerQueue listeners;

    // ---- state, guarded by lock ----
    private final Object lock = new Object();
    private final Set<String> contacts = new LinkedHashSet<>();
    /** contact → URL of the node it is (to be) subscribed at; absent = waiting for routes. */
    private final Map<String, String> assignment = new HashMap<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Set<String> knownUrls = new LinkedHashSet<>();
    /** LOB-wide: the last position per partition up to which every event was received. */
    private final CursorBook cursors = new CursorBook();
    /** Contact mode: cursors saved by the application ({@link Builder#resumeFrom}), per partition. */
    private final CursorBook seedCursors = new CursorBook();
    /** Contact mode: the partition of each contact, from the routes' partitioner or from its events. */
    private final Map<String, Integer> contactPartition = new HashMap<>();
    /** Contact mode: how far each contact was received when it last left a session. */
    private final Map<String, CursorBook.Position> contactCursors = new HashMap<>();
    private final DedupeWindow dedupe;
    /**
     * The last sessionId each node welcomed this client with, sent back as {@code previousSession}: a 4429 close
     * queues behind the data the client did not read, so the node says on the next connection why it closed.
     */
    private final Map<String, String> lastSessionByNode = new HashMap<>();
    /** Sessions this client saw closed with 4429 (already counted), until their node says so again. */
    private final Set<String> tooSlowSeen = new java.util.HashSet<>();
    private Routes routes;
    private Instant since;
    private ConnectionState state = ConnectionState.CONNECTING;
    private boolean everLive;
    private long notLiveSinceNanos = -1;
    private boolean started;
    private boolean closed;
    private boolean failed;
    private boolean offline;
    private boolean stalled;
    private boolean routesInFlight;
    private boolean routesAgain;
    private ScheduledFuture<?> routesTask;
    private long routesDueNanos;
    private int routesAttempts;

    // ---- counters, guarded by lock ----
    private long eventsDelivered;
    private long duplicatesDropped;
    private long outsideSubscription;
    private long reconnects;
    private long movesFollowed;
    private long resumes;
    private long resumesIncomplete;
    private long tooSlowCloses;
    private long catchUps;
    private long longestCatchUpNanos;
    private String lastIncompleteReason;

    private NotifyRelayClient(Builder builder) {
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
                ack ? Math.min(builder.listenerBacklog, ACK_BACKLOG) : builder.listenerBacklog, this::releaseOwedReads);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts finding the nodes and subscribing; returns at once. See {@link #awaitLive(Duration)}. */
    public NotifyRelayClient start() {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            if (closed) {
                throw new IllegalStateException("closed");
            }
            started = true;
            since = sinceConfigured ? configuredSince : Instant.now();
            requestRoutes(0);
        }
        return this;
    }

    // =====================================================================================================
    // public API
    // =====================================================================================================

    /** The state of the client as a whole. */
    public ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    /** The state of the session with each node the client currently needs, by WebSocket URL. */
    public Map<String, ConnectionState> nodeStates() {
        synchronized (lock) {
            Map<String, ConnectionState> result = new LinkedHashMap<>();
            nodes.values().forEach(node -> result.put(node.url, node.state()));
            return result;
        }
    }

    /** Waits until the client is {@link ConnectionState#LIVE}; false if it is not within {@code timeout}. */
    public boolean awaitLive(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (state != ConnectionState.LIVE && !closed && !failed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return state == ConnectionState.LIVE;
        }
    }

    public ClientStats stats() {
        synchronized (lock) {
            return new ClientStats(eventsDelivered, duplicatesDropped, outsideSubscription, reconnects, movesFollowed, resumes,
                    resumesIncomplete, tooSlowCloses, catchUps, Duration.ofNanos(longestCatchUpNanos),
                    lastIncompleteReason);
        }
    }

    /**
     * The last cursor of every partition this client received events of. An application that must not miss
     * anything across its own restarts saves them and passes them to {@link Builder#resumeFrom} next time.
     */
    public List<String> cursors() {
        synchronized (lock) {
            return lobWide ? cursors.cursors() : contactModeCursors();
        }
    }

    /** The contacts of a contact subscription (empty for a LOB-wide one). */
    public Set<String> contacts() {
        synchronized (lock) {
            return Set.copyOf(contacts);
        }
    }

    /** Adds contacts to a contact subscription; they are subscribed at their owners. */
    public void addContacts(Collection<String> more) {
        requireContactMode();
        synchronized (lock) {
            if (closed || failed) {
                return;
            }
            boolean added = false;
            for (String contact : more) {
                added |= contacts.add(Objects.requireNonNull(contact, "contact"));
            }
            if (!added || !started) {
                return;
            }
            if (routes != null) {
                applyRoutes(routes);
            } else {
                requestRoutes(0);
            }
            updateOverall(null);
        }
    }

    /** Removes contacts from a contact subscription; events of theirs still in flight are dropped. */
    public void removeContacts(Collection<String> fewer) {
        requireContactMode();
        synchronized (lock) {
            Map<Node, List<String>> byNode = new LinkedHashMap<>();
            for (String contact : fewer) {
                if (!contacts.remove(contact)) {
                    continue;
                }
                String url = assignment.remove(contact);
                nodes.values().forEach(n -> n.handingOver.remove(contact));
                Node node = url == null ? null : nodes.get(url);
                if (node != null) {
                    node.toSubscribe.remove(contact);
                    if (node.served.remove(contact) && node.phase == Phase.OPEN) {
                        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(contact);
                    }
                }
            }
            byNode.forEach((node, list) -> {
                ObjectNode frame = JSON.createObjectNode().put("type", "unsubscribe");
                ArrayNode array = frame.putArray("contacts");
                list.forEach(array::add);
                send(node, frame.toString());
            });
            dropIdleContactNodes();
            updateOverall(null);
        }
    }

    /** What the client knows and waits for, node by node, in one line each: for logs when something hangs. */
    public String diagnostics() {
        synchronized (lock) {
            StringBuilder out = new StringBuilder();
            out.append(name).append(' ').append(state).append(" routes=")
                    .append(routes == null ? "none" : routes.owners()).append(" routesInFlight=")
                    .append(routesInFlight).append(" routesScheduled=")
                    .append(routesTask != null && !routesTask.isDone()).append(" offline=").append(offline)
                    .append(" unassigned=").append(contacts.stream().filter(c -> !assignment.containsKey(c)).count())
                    .append('\n');
            for (Node node : nodes.values()) {
                out.append("  ").append(node.describe()).append(" failures=").append(node.failures)
                        .append(" reconnectScheduled=").append(node.reconnectTask != null && !node.reconnectTask.isDone())
                        .append('\n');
            }
            return out.toString();
        }
    }

    /**
     * Fault injection for tests and chaos runs: what a flaky network or a slow reader does to a client.
     * Package-private: not part of the API; test code reaches it through its own entry point in this package.
     */
    Faults faults() {
        return new Faults();
    }

    /** Closes every session (normal closure) and stops. Idempotent; does not wait. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (routesTask != null) {
                routesTask.cancel(false);
            }
            for (Node node : List.copyOf(nodes.values())) {
                closeNode(node, "client closing");
            }
            updateOverall("closed");
            lock.notifyAll();
        }
        scheduler.shutdown();
        if (ownListenerExecutor != null) {
            ownListenerExecutor.shutdown(); // after the calls already queued, the last CLOSED status included
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** Fault injection; see {@link #faults()}. */
    final class Faults {

        private Faults() {
        }

        /** Drops every connection abruptly (no close frame), as a network blip does; the client reconnects. */
        public void dropConnections() {
            synchronized (lock) {
                for (Node node : List.copyOf(nodes.values())) {
                    abort(node, "connection cut (fault injection)");
                }
            }
        }

        /**
         * Drops every connection and stays offline for {@code duration}: no connection, no routes request,
         * as a laptop that lost the network. Then reconnects and resumes. The time offline does not count in
         * {@link ClientStats#longestCatchUp()}, which starts when the client can try again.
         */
        public void goOffline(Duration duration) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                offline = true;
                for (Node node : List.copyOf(nodes.values())) {
                    abort(node, "offline (fault injection)");
                }
                scheduler.schedule(guarded("offline end", () -> {
                    synchronized (lock) {
                        offline = false;
                        if (notLiveSinceNanos >= 0) {
                            notLiveSinceNanos = System.nanoTime();
                        }
                        for (Node node : nodes.values()) {
                            if (node.phase == Phase.BACKOFF && node.reconnectTask == null) {
                                node.phase = Phase.IDLE;
                            }
                        }
                        requestRoutes(0);
                    }
                }), duration.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        /**
         * Stops reading every session for {@code duration}, as a frozen browser tab: the node's buffer for the
         * session fills and it closes the session as too slow (4429) if enough arrives meanwhile. Then reads
         * what is left, reconnects if it was closed, and resumes. Like time offline, the stall itself does not
         * count in {@link ClientStats#longestCatchUp()}.
         */
        public void stallReading(Duration duration) {
            synchronized (lock) {
                stalled = true;
            }
            scheduler.schedule(guarded("stall end", () -> {
                synchronized (lock) {
                    stalled = false;
                    if (notLiveSinceNanos >= 0) {
                        notLiveSinceNanos = System.nanoTime(); // a frozen client's own time is not catch-up time
                    }
                }
                releaseOwedReads();
            }), duration.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Reading held back (a stall, a listener backlog) goes on, unless it is still held back. */
    private void releaseOwedReads() {
        List<WebSocketTransport.Socket> owed = new ArrayList<>();
        synchronized (lock) {
            if (readingHeld()) {
                return;
            }
            for (Node node : nodes.values()) {
                if (node.socket != null) {
                    owed.add(node.socket);
                }
                node.lastHeardNanos = System.nanoTime(); // silence while we did not read is ours, not the node's
            }
        }
        owed.forEach(WebSocketTransport.Socket::readOn);
    }

    /** Lock held. */
    private boolean readingHeld() {
        return stalled || listeners.backlogged();
    }

    // =====================================================================================================
    // routes
    // =====================================================================================================

    /** Schedules a routes request in {@code delayNanos}, unless one is due sooner or running. Lock held. */
    private void requestRoutes(long delayNanos) {
        if (closed || failed || !started) {
            return;
        }
        if (routesInFlight) {
            routesAgain = true;
            return;
        }
        long due = System.nanoTime() + delayNanos;
        if (routesTask != null && !routesTask.isDone()) {
            if (routesDueNanos - due <= 0) {
                return;
            }
            routesTask.cancel(false);
        }
        routesDueNanos = due;
        routesTask = scheduler.schedule(guarded("routes request", this::fetchRoutes), delayNanos,
                TimeUnit.NANOSECONDS);
    }

    private void requestRoutesWithBackoff() {
        requestRoutes(backoff.delay(Math.min(routesAttempts++, 30)).toNanos());
    }

    /**
     * While not live, the routes are asked again and again (with backoff): whatever took part of the
     * subscription away (a lost moved frame, a node that left), the routes say where it is served now.
     */
    private void keepAskingRoutes() {
        if (!started || closed || failed || offline || routesInFlight) {
            return;
        }
        if (routesTask == null || routesTask.isDone()) {
            requestRoutesWithBackoff();
        }
    }

    private void fetchRoutes() {
        List<String> candidates = new ArrayList<>();
        synchronized (lock) {
            routesTask = null;
            if (closed || failed || offline) {
                return; // going back online requests them again
            }
            routesInFlight = true;
            routesAgain = false;
            // nodes we are talking to first (they are up), then every node we ever heard of
            nodes.values().stream().filter(n -> n.phase == Phase.OPEN).forEach(n -> candidates.add(n.url));
            candidates.addAll(knownUrls);
        }
        tryRoutes(new ArrayList<>(new LinkedHashSet<>(candidates)), 0);
    }

    private void tryRoutes(List<String> candidates, int index) {
        if (index >= candidates.size()) {
            synchronized (lock) {
                routesInFlight = false;
                LOG.log(System.Logger.Level.DEBUG, "{0}: no node answered GET /v1/routes ({1} tried)", name,
                        candidates.size());
                updateOverall("no node reachable");
                requestRoutesWithBackoff();
            }
            return;
        }
        String url = candidates.get(index);
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(Routes.httpBase(url) + "/v1/routes"))
                    .timeout(requestTimeout).GET().build();
        } catch (IllegalArgumentException e) {
            tryRoutes(candidates, index + 1);
            return;
        }
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            Routes answer = null;
            if (failure == null && response.statusCode() == 200) {
                try {
                    answer = Routes.parse(JSON.readTree(response.body()));
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: bad routes from {1}: {2}", name, url, e.toString());
                }
            }
            if (answer == null) {
                tryRoutes(candidates, index + 1);
                return;
            }
            synchronized (lock) {
                routesInFlight = false;
                try {
                    applyRoutes(answer);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, name + ": applying the routes failed", e);
                    requestRoutesWithBackoff();
                }
                if (routesAgain) {
                    routesAgain = false;
                    requestRoutes(0);
                }
            }
        });
    }

    /** Opens the sessions the routes call for and subscribes what waits for a node. Lock held. */
    private void applyRoutes(Routes table) {
        if (closed || failed) {
            return;
        }
        routes = table;
        knownUrls.addAll(table.ownerUrls());
        if (table.node() != null) {
            knownUrls.add(table.node());
        }
        boolean incomplete;
        if (lobWide) {
            Set<String> wanted = SubscriptionPlanner.lobWideNodes(table, anywhereNode(table));
            Set<Integer> coveredNow = coveredPartitions();
            for (String url : wanted) {
                Node node = node(url);
                ensureConnected(node);
                if (node.phase == Phase.OPEN) {
                    Set<Integer> gained = SubscriptionPlanner.gainedPartitions(table, url, node.announced, coveredNow);
                    if (!gained.isEmpty()) {
                        requestRefresh(node, "owns " + gained + " now", gained); // replayed on a fresh session
                    }
                }
            }
            for (Node node : List.copyOf(nodes.values())) {
                if (!wanted.contains(node.url) && node.announced.isEmpty() && node.subscribesInFlight == 0) {
                    closeNode(node, "owns no partition");
                }
            }
            incomplete = SubscriptionPlanner.lobWideIncomplete(table);
        } else {
            SubscriptionPlanner.partitions(table, contacts).forEach(contactPartition::putIfAbsent);
            // a contact already assigned is served by its node or was asked there: it answers subscribed or moved
            List<String> unplaced = contacts.stream().filter(contact -> !assignment.containsKey(contact)).toList();
            SubscriptionPlanner.placeContacts(table, unplaced, contactPartition, anywhereNode(table))
                    .forEach(this::assign);
            dropIdleContactNodes();
            for (Node node : List.copyOf(nodes.values())) {
                ensureConnected(node);
                flushSubscribes(node);
            }
            incomplete = contacts.stream().anyMatch(contact -> !assignment.containsKey(contact));
        }
        updateOverall(null);
        if (incomplete || state != ConnectionState.LIVE) {
            requestRoutesWithBackoff(); // owners unknown yet, or sessions still settling: look again soon
        }
    }

    /** Partitions a live session announced. */
    private Set<Integer> coveredPartitions() {
        Set<Integer> union = new TreeSet<>();
        for (Node node : nodes.values()) {
            if (node.live()) {
                union.addAll(node.announced);
            }
        }
        return union;
    }

    /** In anywhere mode any node serves everything: stay with an open one, else the one that answered. */
    private String anywhereNode(Routes table) {
        List<String> active = nodes.values().stream()
                .filter(node -> node.phase == Phase.OPEN || node.phase == Phase.CONNECTING
                        || node.phase == Phase.AUTHENTICATING)
                .map(node -> node.url).toList();
        return SubscriptionPlanner.anywhereNode(active, table, seeds.get(0));
    }

    private void assign(String contact, String url) {
        String previous = assignment.put(contact, url);
        if (previous != null && !previous.equals(url)) {
            Node old = nodes.get(previous);
            if (old != null) {
                old.toSubscribe.remove(contact);
            }
        }
        node(url).toSubscribe.add(contact);
    }

    private void dropIdleContactNodes() {
        if (lobWide) {
            return;
        }
        Set<String> used = new java.util.HashSet<>(assignment.values());
        for (Node node : List.copyOf(nodes.values())) {
            if (!used.contains(node.url) && node.served.isEmpty() && node.handingOver.isEmpty()
                    && node.subscribesInFlight == 0) {
                closeNode(node, "no contacts left");
            }
        }
    }

    // ---- cursors of a contact subscription ----

    /**
     * The position up to which this client has every event of {@code contact}: the position its serving
     * session reached, else the one saved when it last left a session, else a saved cursor of its partition.
     */
    private CursorBook.Position contactCursor(String contact) {
        Integer partition = contactPartition.get(contact);
        String url = assignment.get(contact);
        Node node = url == null ? null : nodes.get(url);
        if (partition != null && node != null && node.served.contains(contact)) {
            CursorBook.Position position = node.positions.get(partition);
            if (position != null) {
                return position;
            }
        }
        CursorBook.Position saved = contactCursors.get(contact);
        if (saved != null) {
            return saved;
        }
        return partition == null ? null : seedCursors.get(partition).orElse(null);
    }

    /** Remembers how far the session got for contacts that leave it (moved away, session gone). */
    private void saveContactCursors(Node node, Collection<String> leaving) {
        for (String contact : leaving) {
            Integer partition = contactPartition.get(contact);
            CursorBook.Position position = partition == null ? null : node.positions.get(partition);
            if (position != null && node.served.contains(contact)) {
                contactCursors.merge(contact, position, CursorBook::newer);
            }
        }
    }

    /**
     * One cursor per partition for these contacts: the oldest of theirs, so the replay covers each of them. A
     * partition with a contact that has no cursor gets none: the since time covers it.
     */
    private List<String> cursorsFor(Collection<String> batch) {
        Map<Integer, CursorBook.Position> oldest = new java.util.TreeMap<>();
        Set<Integer> without = new TreeSet<>();
        for (String contact : batch) {
            Integer partition = contactPartition.get(contact);
            if (partition == null) {
                continue;
            }
            CursorBook.Position position = contactCursor(contact);
            if (position == null) {
                without.add(partition);
            } else {
                oldest.merge(partition, position, CursorBook::older);
            }
        }
        List<String> result = new ArrayList<>();
        oldest.forEach((partition, position) -> {
            if (!without.contains(partition)) {
                result.add(position.cursor());
            }
        });
        return result;
    }

    /** For {@link #cursors()} in contact mode: per partition, the oldest position of its contacts. */
    private List<String> contactModeCursors() {
        Map<Integer, CursorBook.Position> oldest = new java.util.TreeMap<>();
        Set<Integer> without = new TreeSet<>();
        for (String contact : contacts) {
            Integer partition = contactPartition.get(contact);
            if (partition == null) {
                continue;
            }
            CursorBook.Position position = contactCursor(contact);
            if (position == null) {
                without.add(partition);
            } else {
                oldest.merge(partition, position, CursorBook::older);
            }
        }
        List<String> result = new ArrayList<>();
        oldest.forEach((partition, position) -> {
            if (!without.contains(partition)) {
                result.add(position.cursor());
            }
        });
        return result;
    }

    private Node node(String url) {
        return nodes.computeIfAbsent(url, Node::new);
    }

    // =====================================================================================================
    // sessions
    // =====================================================================================================

    private void ensureConnected(Node node) {
        if (node.phase != Phase.IDLE || closed || failed || offline || !started) {
            return;
        }
        if (!lobWide && !assignment.containsValue(node.url)) {
            return;
        }
        node.phase = Phase.CONNECTING;
        if (node.everOpened) {
            reconnects++;
        }
        Connection connection = new Connection(node);
        node.connection = connection;
        reportNode(node, null);
        scheduler.execute(guarded("connect", () -> open(connection)));
    }

    /** Gets a token and opens the WebSocket; on the scheduler thread, without the lock (the provider may block). */
    private void open(Connection connection) {
        String token;
        try {
            token = tokens.get();
            if (token == null || token.isBlank()) {
                throw new IllegalStateException("token provider returned no token");
            }
        } catch (RuntimeException e) {
            synchronized (lock) {
                connectionLost(connection, ABNORMAL, "token provider failed: " + e);
            }
            return;
        }
        connection.token = token;
        transport.open(connection.node.url, requestTimeout, connection);
    }

    private boolean current(Connection connection) {
        return !closed && connection.node.connection == connection && nodes.get(connection.node.url) == connection.node;
    }

    private void onOpen(Connection connection, WebSocketTransport.Socket socket) {
        synchronized (lock) {
            if (!current(connection)) {
                socket.abort();
                return;
            }
            Node node = connection.node;
            node.socket = socket;
            node.phase = Phase.AUTHENTICATING;
            node.everOpened = true;
            node.lastHeardNanos = System.nanoTime();
            ObjectNode auth = JSON.createObjectNode().put("type", "auth").put("token", connection.token);
            String previousSession = lastSessionByNode.get(node.url);
            if (previousSession != null) {
                auth.put("previousSession", previousSession);
            }
            send(node, auth.toString());
        }
    }

    private void onFrame(Connection connection, String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: frame from {1} is not JSON", name, connection.node.url);
            return;
        }
        if (frame == null || !frame.isObject()) {
            return;
        }
        String type = frame.path("type").asText("");
        synchronized (lock) {
            if (!current(connection)) {
                return;
            }
            try {
                handleFrame(connection.node, type, frame);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, name + ": handling a " + type + " frame from "
                        + connection.node.url + " failed; reconnecting", e);
                WebSocketTransport.Socket socket = connection.node.socket;
                connectionLost(connection, ABNORMAL, "client error: " + e);
                if (socket != null) {
                    socket.abort();
                }
            }
        }
    }

    private void handleFrame(Node node, String type, JsonNode frame) {
        node.lastHeardNanos = System.nanoTime();
        switch (type) {
            case "event" -> onEvent(node, frame);
            case "welcome" -> onWelcome(node, frame);
            case "subscribed" -> onSubscribed(node, frame);
            case "moved" -> onMoved(node, frame);
            case "error" -> onError(node, frame);
            case "status" -> {
                node.kafkaUnreachable = "unreachable".equals(frame.path("kafka").asText());
                updateOverall(node.kafkaUnreachable ? node.url + " cannot reach Kafka" : node.url + " reaches Kafka");
            }
            default -> { } // pong, unsubscribed, token_expiring (the provider gives a fresh token per connection)
        }
    }

    private void onWelcome(Node node, JsonNode frame) {
        String sessionId = text(frame, "sessionId");
        if (sessionId != null && sessionId.length() <= MAX_SESSION_ID) {
            node.sessionId = sessionId;
            String previous = lastSessionByNode.put(node.url, sessionId);
            JsonNode previousClose = frame.path("previousClose");
            if (previous != null && previousClose.isObject()) {
                previouslyClosed(node, previous, previousClose);
            }
        }
        node.phase = Phase.OPEN;
        node.kafkaUnreachable = false;
        node.resetSubscriptionState();
        long heartbeatMs = Math.max(1000, Math.min(120_000, frame.path("heartbeatMs").asLong(25_000)));
        node.heartbeatMs = heartbeatMs;
        Connection connection = node.connection;
        node.heartbeatTask = scheduler.scheduleAtFixedRate(guarded("heartbeat", () -> heartbeat(connection)),
                heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
        if (lobWide) {
            sendSubscribe(node, null);
        } else {
            node.toSubscribe.clear();
            assignment.forEach((contact, url) -> {
                if (url.equals(node.url)) {
                    node.toSubscribe.add(contact);
                }
            });
            if (node.toSubscribe.isEmpty()) {
                closeNode(node, "no contacts left");
                updateOverall(null);
                return;
            }
            node.initialSubscribe = true;
            flushSubscribes(node);
        }
        reportNode(node, null);
    }

    /**
     * The node closed our previous session as too slow. The client resumes from its cursors as after any close;
     * the application learns why, and the close is counted once even if the client only saw a 1006.
     */
    private void previouslyClosed(Node node, String previousSession, JsonNode previousClose) {
        if (!tooSlowSeen.remove(previousSession)) {
            tooSlowCloses++;
        }
        String message = "the relay closed the previous session (" + previousClose.path("code").asInt() + " "
                + previousClose.path("reason").asText("") + ") at " + previousClose.path("at").asText("?")
                + ": it read too slowly; resumed from its cursors";
        LOG.log(System.Logger.Level.INFO, "{0}: {1}: {2}", name, node.url, message);
        emitError(new ClientError("closed_too_slow", message, node.url, false, Instant.now()));
    }

    /**
     * Subscribes contacts waiting for this node, one frame at a time: a node takes one subscribe per session
     * until it has answered (a resume in progress refuses the next), so the rest wait for {@code subscribed}.
     * Contacts joining a session that has already delivered events of their partition get a fresh session
     * instead: a node replays onto a session only what is newer than what that session already sent.
     */
    private void flushSubscribes(Node node) {
        if (lobWide || node.phase != Phase.OPEN || node.toSubscribe.isEmpty() || node.settling()
                || node.retryPaused) {
            return;
        }
        if (!node.initialSubscribe) {
            for (String contact : node.toSubscribe) {
                Integer partition = contactPartition.get(contact);
                if (partition == null || node.delivered.contains(partition) || node.announced.contains(partition)) {
                    requestRefresh(node, "contacts join partitions this session has delivered", Set.of());
                    return;
                }
            }
        }
        List<String> batch = new ArrayList<>();
        for (String contact : node.toSubscribe) {
            if (batch.size() == CONTACTS_PER_FRAME) {
                break;
            }
            batch.add(contact);
        }
        batch.forEach(node.toSubscribe::remove);
        if (node.toSubscribe.isEmpty()) {
            node.initialSubscribe = false;
        }
        sendSubscribe(node, batch);
        reportNode(node, null);
    }

    /** Sends a subscribe frame with the cursors and the since time. {@code contactList} null = whole LOB. */
    private void sendSubscribe(Node node, List<String> contactList) {
        ObjectNode frame = JSON.createObjectNode().put("type", "subscribe");
        if (ack) {
            frame.put("ack", true);
        }
        if (contactList != null) {
            ArrayNode array = frame.putArray("contacts");
            contactList.forEach(array::add);
        }
        List<String> all = contactList == null ? cursors.cursors() : cursorsFor(contactList);
        if (!all.isEmpty()) {
            ArrayNode array = frame.putArray("cursors");
            all.forEach(array::add);
        }
        if (since != null) {
            frame.put("since", since.toString());
        }
        boolean resume = !all.isEmpty() || since != null;
        Pending pending = new Pending(resume, contactList == null ? List.of() : List.copyOf(contactList));
        Connection connection = node.connection;
        scheduler.schedule(guarded("subscribe timeout", () -> {
            synchronized (lock) {
                if (current(connection) && connection.node.awaits(pending)) {
                    // a node that never answers (a stuck replay, a lost request) must not hold us forever
                    LOG.log(System.Logger.Level.WARNING, "{0}: {1} did not answer a subscribe within {2} s", name,
                            connection.node.url, subscribeTimeout.toSeconds());
                    WebSocketTransport.Socket socket = connection.node.socket;
                    connectionLost(connection, ABNORMAL, "no answer to subscribe");
                    if (socket != null) {
                        socket.abort();
                    }
                }
            }
        }), subscribeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        node.subscribeSent(pending);
        if (resume) {
            resumes++;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: subscribe at {1}: {2} contacts, {3} cursors", name, node.url,
                contactList == null ? "all" : contactList.size(), all.size());
        send(node, frame.toString());
    }

    /**
     * Re-opens the session with this node so it replays, from our cursors, partitions or contacts it serves
     * now but did not when the session began. A fresh session is the one resume path that needs no trust in
     * what the old session already sent. Rate-limited per node.
     */
    private void requestRefresh(Node node, String reason, Set<Integer> partitions) {
        if (node.phase != Phase.OPEN) {
            return; // a session being opened subscribes to everything it needs when it opens
        }
        if (node.settling()) {
            node.refreshFor.addAll(partitions); // the answer may announce them: decide then
            return;
        }
        long wait = node.quietUntilNanos - System.nanoTime();
        if (wait > 0) {
            if (!node.refreshScheduled) {
                node.refreshScheduled = true;
                Connection connection = node.connection;
                scheduler.schedule(guarded("delayed new session", () -> {
                    synchronized (lock) {
                        node.refreshScheduled = false;
                        boolean stillNeeded = !lobWide || partitions.isEmpty()
                                || !node.announced.containsAll(partitions);
                        if (current(connection) && stillNeeded) {
                            requestRefresh(node, reason, partitions);
                        }
                    }
                }), wait, TimeUnit.NANOSECONDS);
            }
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: new session with {1}: {2}", name, node.url, reason);
        node.quietUntilNanos = System.nanoTime() + backoff.delay(Math.min(node.refreshStreak++, 30)).toNanos();
        if (!lobWide) {
            saveContactCursors(node, node.served);
        }
        WebSocketTransport.Socket socket = node.socket;
        dropConnection(node);
        if (socket != null) {
            socket.close("resubscribing");
        }
        node.phase = Phase.IDLE;
        ensureConnected(node);
        updateOverall("new session with " + node.url);
    }

    private void onSubscribed(Node node, JsonNode frame) {
        Pending pending = node.answered();
        Set<Integer> partitions = ints(frame.path("partitions"));
        LOG.log(System.Logger.Level.DEBUG, "{0}: subscribed at {1}: partitions {2} contacts {3} recovered {4}", name,
                node.url, partitions, frame.path("contacts"), frame.path("recovered"));
        // what moved away while the subscribe was answered is no longer served here, whatever the answer lists
        partitions.removeAll(node.movedWhileSubscribing);
        if (lobWide) {
            node.announced.clear();
            node.announced.addAll(partitions);
        } else {
            node.announced.addAll(partitions);
            Set<String> servedHere = strings(frame.path("contacts"));
            boolean doubtful = false;
            for (String contact : servedHere) {
                if (!contacts.contains(contact) || !node.url.equals(assignment.get(contact))) {
                    continue;
                }
                Integer partition = contactPartition.get(contact);
                if (partition != null && !node.announced.contains(partition)) {
                    // listed as served, but not its partition: the node did not replay it. Ask again
                    node.toSubscribe.add(contact);
                    doubtful = true;
                    continue;
                }
                node.served.add(contact);
            }
            if (doubtful) {
                pauseSubscribes(node);
            }
            finishHandOvers(node);
            for (String contact : pending.contacts()) {
                if (!servedHere.contains(contact) && node.url.equals(assignment.get(contact))) {
                    assignment.remove(contact); // not served here and no moved said where: ask the routes
                    requestRoutesWithBackoff();
                }
            }
        }
        if (node.subscribesInFlight == 0) {
            node.movedWhileSubscribing.clear();
        }
        node.unannounced.removeAll(node.announced);
        if (pending.resume()) {
            // a node answers a resume once its replay is over, saying whether it recovered everything
            finishResume(node, frame.path("recovered").asBoolean(false),
                    frame.has("recovered") ? text(frame, "reason") : "no_replay_result");
        }
        node.failures = 0;
        if (!node.retryPaused) {
            node.refusedRetries = 0;
        }
        afterSubscribeProgress(node);
    }

    /** A replay this session asked for is over. */
    private void finishResume(Node node, boolean recovered, String reason) {
        if (!node.replayOver()) {
            return;
        }
        if (!recovered) {
            resumesIncomplete++;
            lastIncompleteReason = reason == null ? "unknown" : reason;
            LOG.log(System.Logger.Level.WARNING, "{0}: {1} could not replay everything missed: {2}", name, node.url,
                    lastIncompleteReason);
            reportNode(node, "replay incomplete: " + lastIncompleteReason);
        }
    }

    /** Subscribes waiting here go out after a backoff: for retries the node may answer the same way again. */
    private void pauseSubscribes(Node node) {
        if (node.retryPaused) {
            return;
        }
        node.retryPaused = true;
        Connection connection = node.connection;
        long delay = backoff.delay(Math.min(node.refusedRetries++, 30)).toNanos();
        scheduler.schedule(guarded("retry subscribe", () -> {
            synchronized (lock) {
                if (current(connection)) {
                    node.retryPaused = false;
                    afterSubscribeProgress(node);
                }
            }
        }), delay, TimeUnit.NANOSECONDS);
    }

    /** The session has every event of the subscription up to {@code position} in its partition. */
    private void advance(Node node, CursorBook.Position position) {
        node.advance(position);
        if (lobWide) {
            cursors.advance(position);
        }
    }

    private void afterSubscribeProgress(Node node) {
        // nothing in flight any more: the positions held back meanwhile are complete up to where they point
        node.releaseHeld().forEach(position -> advance(node, position));
        flushSubscribes(node);
        boolean idle = !node.settling();
        if (node.resubscribeWanted && idle && !node.retryPaused) {
            node.resubscribeWanted = false; // a refused subscribe, sent again
            sendSubscribe(node, null);
        } else if (lobWide && idle) {
            Set<Integer> missing = new TreeSet<>(node.refreshFor);
            node.refreshFor.clear();
            missing.removeAll(node.announced);
            missing.addAll(node.unannounced);
            if (missing.isEmpty()) {
                node.refreshStreak = 0;
            } else {
                requestRefresh(node, "serves " + missing + " it did not announce", missing);
            }
        }
        reportNode(node, null);
        updateOverall(null);
    }

    private void onEvent(Node node, JsonNode frame) {
        String id = text(frame, "id");
        if (id == null) {
            return;
        }
        String cursor = text(frame, "cursor");
        String contactId = text(frame, "contactId");
        CursorBook.Position position = CursorBook.decode(cursor).orElse(null);
        if (position != null) {
            int partition = position.partition();
            node.delivered.add(partition);
            if (!lobWide && contactId != null && contacts.contains(contactId)) {
                contactPartition.putIfAbsent(contactId, partition);
            }
            if (node.settling()) {
                // replayed or live for a subscription being set up: the stream from our cursor is complete
                // only once the node has answered (and replayed); keep the position until then
                node.hold(position);
            } else if (node.announced.contains(partition)) {
                advance(node, position);
            } else if (lobWide) {
                // a partition this node did not announce (it just gained it): there may be a gap before this
                // event. Not shown now: a fresh session replays the partition from our cursor, this event
                // included, in order
                if (node.unannounced.add(partition)) {
                    requestRefresh(node, "delivers partition " + partition + " it did not announce",
                            Set.of(partition));
                }
                return;
            } else if (contactId != null && node.served.remove(contactId)) {
                // a contact served here on a partition the node does not announce: the same doubt. Not shown;
                // subscribed again, from its cursor
                node.toSubscribe.add(contactId);
                pauseSubscribes(node);
                return;
            }
        }
        if (!lobWide && (contactId == null || !contacts.contains(contactId))) {
            outsideSubscription++; // unsubscribed a moment ago
            return;
        }
        if (!dedupe.firstTime(id)) {
            duplicatesDropped++;
            return;
        }
        eventsDelivered++;
        RelayEvent event = new RelayEvent(id, cursor, text(frame, "lobId"), contactId, frame.get("data"),
                Instant.now(), node.url);
        if (!ack) {
            listeners.submit(() -> eventListener.accept(event));
            return;
        }
        Connection connection = node.connection;
        listeners.submit(() -> {
            eventListener.accept(event); // a listener that throws did not handle it: no acknowledgement
            acknowledge(connection, id);
        });
    }

    /** On the listener executor: the ack goes on the session that delivered the event, the only one that takes it. */
    private void acknowledge(Connection connection, String id) {
        synchronized (lock) {
            if (current(connection)) {
                ObjectNode frame = JSON.createObjectNode().put("type", "ack");
                frame.putArray("ids").add(id);
                send(connection.node, frame.toString());
            }
        }
    }

    /** {@code target} serves these contacts now: the nodes that moved them there let them go. */
    private void finishHandOvers(Node target) {
        for (Node old : List.copyOf(nodes.values())) {
            if (old == target || old.handingOver.isEmpty()) {
                continue;
            }
            List<String> done = new ArrayList<>();
            old.handingOver.entrySet().removeIf(entry -> {
                boolean served = entry.getValue().equals(target.url) && target.served.contains(entry.getKey());
                if (served) {
                    done.add(entry.getKey());
                }
                return served;
            });
            if (!done.isEmpty() && old.phase == Phase.OPEN) {
                ObjectNode frame = JSON.createObjectNode().put("type", "unsubscribe");
                ArrayNode array = frame.putArray("contacts");
                done.forEach(array::add);
                send(old, frame.toString());
            }
        }
        dropIdleContactNodes();
    }

    private void onMoved(Node node, JsonNode frame) {
        Set<Integer> partitions = ints(frame.path("partitions"));
        Set<String> movedContacts = strings(frame.path("contacts"));
        String url = text(frame, "url");
        if (!lobWide) {
            saveContactCursors(node, movedContacts);
        }
        node.partitionsMoved(partitions);
        if (!lobWide && url != null && !url.equals(node.url)) {
            // the node keeps serving them (e.g. what producers with old metadata still write to the old
            // partition): stay subscribed here until the new node has answered subscribed
            movedContacts.stream().filter(node.served::contains).forEach(c -> node.handingOver.put(c, url));
        }
        node.served.removeAll(movedContacts);
        if (url != null) {
            movesFollowed++;
            knownUrls.add(url);
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: {1} moved partitions {2} contacts {3} to {4}", name, node.url,
                partitions, movedContacts, url);
        if (lobWide) {
            if (url != null) {
                Node target = node(url);
                ensureConnected(target);
                if (!target.announced.containsAll(partitions)) {
                    requestRefresh(target, "partitions " + partitions + " moved to it", partitions);
                }
            } else {
                requestRoutesWithBackoff();
            }
        } else {
            for (String contact : movedContacts) {
                if (!contacts.contains(contact)) {
                    continue;
                }
                if (url != null) {
                    assign(contact, url);
                } else if (node.url.equals(assignment.get(contact))) {
                    assignment.remove(contact);
                }
            }
            if (url != null) {
                Node target = node(url);
                ensureConnected(target);
                flushSubscribes(target);
            } else {
                requestRoutesWithBackoff();
            }
            dropIdleContactNodes();
        }
        reportNode(node, "moved");
        updateOverall("moved");
    }

    private void onError(Node node, JsonNode frame) {
        String code = frame.path("code").asText("");
        String message = frame.path("message").asText("");
        switch (code) {
            case "resume_in_progress" -> {
                // the node refused our latest subscribe: it was still finishing the previous one. Try again
                // once nothing is in flight, after a short pause (the refusal can race the previous answer)
                Pending refused = node.refused(true);
                if (refused != null && refused.resume()) {
                    resumes--;
                }
                if (lobWide) {
                    node.resubscribeWanted = true;
                } else if (refused != null) {
                    for (String contact : refused.contacts()) {
                        if (node.url.equals(assignment.get(contact))) {
                            node.toSubscribe.add(contact);
                        }
                    }
                }
                Connection connection = node.connection;
                long delay = backoff.delay(Math.min(node.refusedRetries++, 30)).toNanos();
                node.retryPaused = true;
                scheduler.schedule(guarded("retry refused subscribe", () -> {
                    synchronized (lock) {
                        if (current(connection)) {
                            node.retryPaused = false;
                            afterSubscribeProgress(node);
                        }
                    }
                }), delay, TimeUnit.NANOSECONDS);
            }
            case "too_many_subscriptions" -> {
                // the subscribe was refused instead of answered
                node.refused(false);
                LOG.log(System.Logger.Level.WARNING, "{0}: {1} refused a subscription: {2}", name, node.url, message);
                reportNode(node, "too_many_subscriptions: " + message);
            }
            default -> LOG.log(System.Logger.Level.WARNING, "{0}: error from {1}: {2} {3}", name, node.url, code,
                    message);
        }
        emitError(new ClientError(code, message, node.url, false, Instant.now()));
    }

    private void heartbeat(Connection connection) {
        WebSocketTransport.Socket toAbort = null;
        synchronized (lock) {
            if (!current(connection) || connection.node.socket == null) {
                return;
            }
            Node node = connection.node;
            if (readingHeld()) {
                return;
            }
            long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - node.lastHeardNanos);
            if (silentMs > 2 * node.heartbeatMs + 5000) {
                toAbort = node.socket;
                connectionLost(connection, ABNORMAL, "nothing heard for " + silentMs + " ms");
            } else {
                send(node, "{\"type\":\"ping\"}");
            }
        }
        if (toAbort != null) {
            toAbort.abort();
        }
    }

    private void onClosed(Connection connection, int code, String reason) {
        synchronized (lock) {
            connectionLost(connection, code, reason);
        }
    }

    /** The session is gone: forget what it served and reconnect after a backoff, routes first. Lock held. */
    private void connectionLost(Connection connection, int code, String reason) {
        if (!current(connection)) {
            return;
        }
        Node node = connection.node;
        boolean resumingWhenLost = node.resumesInFlight > 0;
        if (code == 4429 && node.sessionId != null) {
            tooSlowSeen.add(node.sessionId); // counted here; the node's previousClose about it is not counted again
        }
        node.sessionId = null;
        if (!lobWide) {
            saveContactCursors(node, node.served);
        }
        dropConnection(node);
        assignment.values().removeIf(url -> url.equals(node.url)); // routes assign them again
        if (!lobWide) {
            node.toSubscribe.clear();
        }
        LOG.log(System.Logger.Level.DEBUG, "{0}: session with {1} lost: {2} {3}", name, node.url, code, reason);
        if (code == 4403) {
            String why = "subscription refused by " + node.url + " (4403): " + reason;
            emitError(new ClientError("forbidden", why, node.url, true, Instant.now()));
            fail(why);
            return;
        }
        long delay;
        if (code == 4429) {
            tooSlowCloses++;
            // too slow while live: reconnect at once and resume. Too slow while catching up (the node held
            // back more live events than it may): the same replay again needs a moment, so back off
            if (!resumingWhenLost) {
                node.failures = 0;
            }
            delay = backoff.delay(Math.min(node.failures++, 30)).toNanos();
        } else if (code == 1001 || code == 1012 || code == 4503) {
            // the node is going away or cannot reach Kafka (4503): its partitions move; routes tell where
            node.failures = 0;
            delay = backoff.delay(0).toNanos();
        } else {
            delay = backoff.delay(Math.min(node.failures++, 30)).toNanos();
        }
        node.phase = Phase.BACKOFF;
        node.reconnectTask = scheduler.schedule(guarded("reconnect", () -> {
            synchronized (lock) {
                node.reconnectTask = null;
                if (node.phase == Phase.BACKOFF && !offline) {
                    node.phase = Phase.IDLE;
                }
                requestRoutes(0);
            }
        }), delay, TimeUnit.NANOSECONDS);
        reportNode(node, code + (reason == null || reason.isEmpty() ? "" : " " + reason));
        updateOverall("lost " + node.url);
        requestRoutes(backoff.delay(0).toNanos()); // other nodes may already serve what it served
    }

    /** Forgets the current connection of this node and everything it served. Lock held. */
    private void dropConnection(Node node) {
        node.connection = null;
        node.socket = null;
        if (node.heartbeatTask != null) {
            node.heartbeatTask.cancel(false);
            node.heartbeatTask = null;
        }
        node.resetSubscriptionState();
    }

    /** Drops the connection without a close frame (fault injection); the usual reconnect follows. */
    private void abort(Node node, String reason) {
        WebSocketTransport.Socket socket = node.socket;
        Connection connection = node.connection;
        if (connection != null) {
            connectionLost(connection, ABNORMAL, reason);
        }
        if (socket != null) {
            socket.abort();
        }
    }

    /** Closes the session with this node for good (normal closure) and forgets the node. Lock held. */
    private void closeNode(Node node, String reason) {
        nodes.remove(node.url);
        node.connection = null;
        if (node.reconnectTask != null) {
            node.reconnectTask.cancel(false);
        }
        if (node.heartbeatTask != null) {
            node.heartbeatTask.cancel(false);
        }
        WebSocketTransport.Socket socket = node.socket;
        node.socket = null;
        if (socket != null) {
            socket.close(reason);
        }
        if (node.reported != null && node.reported != ConnectionState.CLOSED) {
            node.reported = ConnectionState.CLOSED;
            emit(new StatusChange(node.url, ConnectionState.CLOSED, reason, Instant.now()));
        }
    }

    private void fail(String reason) {
        LOG.log(System.Logger.Level.ERROR, "{0}: giving up: {1}", name, reason);
        failed = true;
        if (routesTask != null) {
            routesTask.cancel(false);
        }
        for (Node node : List.copyOf(nodes.values())) {
            closeNode(node, "client failed");
        }
        updateOverall(reason);
        lock.notifyAll();
    }

    private void send(Node node, String text) {
        if (node.socket != null) {
            node.socket.send(text);
        }
    }

    // =====================================================================================================
    // state
    // =====================================================================================================

    private boolean covered() {
        if (routes == null) {
            return false;
        }
        if (lobWide) {
            return SubscriptionPlanner.lobWideCovered(routes.partitionCount(), coveredPartitions());
        }
        for (String contact : contacts) {
            String url = assignment.get(contact);
            Node node = url == null ? null : nodes.get(url);
            if (node == null || !node.live() || !node.served.contains(contact)) {
                return false;
            }
        }
        return true;
    }

    /** Recomputes the overall state and reports a change. Lock held. */
    private void updateOverall(String detail) {
        ConnectionState next;
        if (closed) {
            next = ConnectionState.CLOSED;
        } else if (failed) {
            next = ConnectionState.FAILED;
        } else if (covered() && nodes.values().stream().anyMatch(n -> n.phase == Phase.OPEN && n.kafkaUnreachable)) {
            next = ConnectionState.STALLED;
        } else if (covered()) {
            next = ConnectionState.LIVE;
        } else if (!everLive) {
            next = ConnectionState.CONNECTING;
        } else if (!offline && nodes.values().stream().anyMatch(node -> node.phase == Phase.OPEN)) {
            next = ConnectionState.RECOVERING;
        } else {
            next = ConnectionState.OFFLINE;
        }
        if (next != ConnectionState.LIVE) {
            keepAskingRoutes();
        }
        if (next == state) {
            return;
        }
        long now = System.nanoTime();
        if (next == ConnectionState.LIVE) {
            if (everLive && notLiveSinceNanos >= 0) {
                long took = Math.max(0, now - notLiveSinceNanos);
                catchUps++;
                longestCatchUpNanos = Math.max(longestCatchUpNanos, took);
            }
            everLive = true;
            notLiveSinceNanos = -1;
            routesAttempts = 0;
        } else if (state == ConnectionState.LIVE) {
            notLiveSinceNanos = now;
        }
        state = next;
        lock.notifyAll();
        emit(new StatusChange(null, next, detail, Instant.now()));
    }

    private void reportNode(Node node, String detail) {
        ConnectionState nodeState = node.state();
        if (nodeState == ConnectionState.LIVE) {
            node.everLive = true;
        }
        if (nodeState != node.reported) {
            node.reported = nodeState;
            emit(new StatusChange(node.url, nodeState, detail, Instant.now()));
        }
    }

    private void emit(StatusChange change) {
        listeners.submit(() -> statusListener.accept(change));
    }

    private void emitError(ClientError error) {
        listeners.submit(() -> errorListener.accept(error));
    }

    private void requireContactMode() {
        if (lobWide) {
            throw new IllegalStateException("a LOB-wide client has no contact list");
        }
    }

    private static String text(JsonNode frame, String field) {
        JsonNode value = frame.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Set<Integer> ints(JsonNode array) {
        Set<Integer> result = new TreeSet<>();
        array.forEach(item -> {
            if (item.canConvertToInt()) {
                result.add(item.asInt());
            }
        });
        return result;
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> result = new LinkedHashSet<>();
        array.forEach(item -> {
            if (item.isTextual()) {
                result.add(item.asText());
            }
        });
        return result;
    }

    /** A task for the scheduler or a callback that logs what it throws instead of dying silently. */
    private Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, name + ": " + what + " failed", e);
            }
        };
    }

    /** The client's session with one node: its protocol state, and the connection and timers that carry it. */
    private final class Node extends NodeSession {
        Connection connection;
        WebSocketTransport.Socket socket;
        ScheduledFuture<?> reconnectTask;
        ScheduledFuture<?> heartbeatTask;
        long lastHeardNanos = System.nanoTime();
        int failures;
        ConnectionState reported;
        /** What the node's welcome named the current session; null between sessions. */
        String sessionId;

        Node(String url) {
            super(url);
        }
    }

    /** One connection to a node, as the transport reports it: one message at a time. */
    private final class Connection implements WebSocketTransport.Handler {
        final Node node;
        volatile String token;

        Connection(Node node) {
            this.node = node;
        }

        @Override
        public void opened(WebSocketTransport.Socket socket) {
            onOpen(this, socket);
        }

        @Override
        public void text(String text) {
            onFrame(this, text);
        }

        @Override
        public void heard() {
            synchronized (lock) {
                if (current(this)) {
                    node.lastHeardNanos = System.nanoTime();
                }
            }
        }

        @Override
        public boolean holdReading() {
            synchronized (lock) {
                return readingHeld();
            }
        }

        @Override
        public void closed(int code, String reason) {
            onClosed(this, code, reason);
        }
    }

    // =====================================================================================================
    // builder
    // =====================================================================================================

    /** Configures a client. Required: a seed, a token provider, LOB-wide or contacts, an event listener. */
    public static final class Builder {
        private final List<String> seeds = new ArrayList<>();
        private Supplier<String> tokens;
        private boolean lobWide;
        private boolean modeChosen;
        private final Set<String> contacts = new LinkedHashSet<>();
        private Consumer<RelayEvent> eventListener;
        private Consumer<StatusChange> statusListener = change -> { };
        private Consumer<ClientError> errorListener = error -> { };
        private boolean ack;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private int dedupeWindow = 100_000;
        private Duration requestTimeout = Duration.ofSeconds(5);
        private Duration subscribeTimeout = Duration.ofSeconds(60);
        private final List<String> initialCursors = new ArrayList<>();
        private boolean sinceConfigured;
        private Instant since;
        private HttpClient http;
        private String name;
        private Executor listenerExecutor;
        private int listenerBacklog = 1000;

        private Builder() {
        }

        /**
         * Nodes to start from: the WebSocket URL ({@code ws://host:port/v1/ws}) or the HTTP base URL
         * ({@code http://host:port}) of any node. The client finds the others in {@code GET /v1/routes}.
         */
        public Builder seeds(String... urls) {
            return seeds(List.of(urls));
        }

        public Builder seeds(Collection<String> urls) {
            for (String url : urls) {
                Routes.webSocketUrl(url); // fail here on a malformed URL
                seeds.add(url);
            }
            return this;
        }

        /**
         * Where tokens come from. Called for every connection, so after a 4401 (expired, revoked) the next
         * attempt authenticates with a fresh token. May block (e.g. fetch from an auth service).
         */
        public Builder tokenProvider(Supplier<String> provider) {
            this.tokens = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /** Every event of the token's LOB. */
        public Builder lobWide() {
            this.lobWide = true;
            this.modeChosen = true;
            return this;
        }

        /** Only the events of these contacts (more with {@link NotifyRelayClient#addContacts}). */
        public Builder contacts(Collection<String> contactIds) {
            this.lobWide = false;
            this.modeChosen = true;
            contactIds.forEach(contact -> contacts.add(Objects.requireNonNull(contact, "contact")));
            return this;
        }

        public Builder onEvent(Consumer<RelayEvent> listener) {
            this.eventListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder onStatus(Consumer<StatusChange> listener) {
            this.statusListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * What is not a change of state: {@code closed_too_slow} (the relay closed the previous session as too
         * slow, 4429, maybe unseen), a node's {@code error} frame, or the fatal reason the client stopped.
         */
        public Builder onError(Consumer<ClientError> listener) {
            this.errorListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Acknowledge each event once the event listener returned (not when it throws): the relay turns each into
         * an {@code acknowledged} receipt for the Notify API. A node takes acknowledgements for a session's last
         * 64 events only, so with this on at most 32 listener calls wait (see {@link #listenerBacklog}).
         */
        public Builder ack(boolean acknowledge) {
            this.ack = acknowledge;
            return this;
        }

        /** Reconnect backoff: full jitter under {@code min(max, initial * 2^attempt)}. Default 100 ms, 10 s. */
        public Builder backoff(Duration initial, Duration max) {
            new Backoff(initial, max); // validates
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** How many recent event ids are remembered to drop duplicates. Default 100 000. */
        public Builder dedupeWindow(int ids) {
            new DedupeWindow(ids); // validates
            this.dedupeWindow = ids;
            return this;
        }

        /** Timeout of a routes request and of opening a WebSocket. Default 5 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How long a node may take to answer a subscribe, its replay included, before the client gives up on
         * the session and reconnects. Default 60 s (the relay bounds a replay at 30 s by default).
         */
        public Builder subscribeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("subscribe timeout must be positive");
            }
            this.subscribeTimeout = timeout;
            return this;
        }

        /** Cursors saved from an earlier run ({@link NotifyRelayClient#cursors()}): resume from there. */
        public Builder resumeFrom(Collection<String> savedCursors) {
            initialCursors.addAll(savedCursors);
            return this;
        }

        /**
         * For partitions the client has no cursor for yet, replay from this time on a resume. Default: the
         * moment {@link NotifyRelayClient#start()} is called, so nothing published after the start is lost
         * even when a node dies before the client has seen a single event of some partition. Null: none.
         */
        public Builder since(Instant time) {
            this.sinceConfigured = true;
            this.since = time;
            return this;
        }

        /** Shares an HttpClient (and its selector thread) between clients. */
        public Builder httpClient(HttpClient client) {
            this.http = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Where the listeners run, one call at a time and in order whatever the executor. Default: a thread of
         * the client's own. Not an executor that runs tasks in the calling thread: that would call the
         * listeners under the client's lock, on the JDK's I/O threads.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * How many listener calls may wait before the client stops reading the sockets until the listeners
         * catch up (a node then closes a session that reads too slowly, 4429, and the client resumes it).
         * Default 1000.
         */
        public Builder listenerBacklog(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("listener backlog must be at least 1");
            }
            this.listenerBacklog = calls;
            return this;
        }

        /** A name for logs and the client's thread. */
        public Builder name(String clientName) {
            this.name = Objects.requireNonNull(clientName, "clientName");
            return this;
        }

        public NotifyRelayClient build() {
            if (seeds.isEmpty()) {
                throw new IllegalStateException("at least one seed URL is required");
            }
            if (tokens == null) {
                throw new IllegalStateException("a token provider is required");
            }
            if (!modeChosen) {
                throw new IllegalStateException("choose lobWide() or contacts(...)");
            }
            if (eventListener == null) {
                throw new IllegalStateException("an event listener is required");
            }
            return new NotifyRelayClient(this);
        }

        /** {@link #build()} and {@link NotifyRelayClient#start()}. */
        public NotifyRelayClient start() {
            return build().start();
        }
    }
}
