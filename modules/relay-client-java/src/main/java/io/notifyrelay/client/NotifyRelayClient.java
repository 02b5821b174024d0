package io.notifyrelay.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
    static final int MAX_SESSION_ID = 64;

    private final ClientState s;

    private NotifyRelayClient(Builder builder) {
        this.s = new ClientState(builder);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts finding the nodes and subscribing; returns at once. See {@link #awaitLive(Duration)}. */
    public NotifyRelayClient start() {
        synchronized (s.lock) {
            if (s.started) {
                throw new IllegalStateException("already started");
            }
            if (s.closed) {
                throw new IllegalStateException("closed");
            }
            s.started = true;
            s.since = s.sinceConfigured ? s.configuredSince : Instant.now();
            s.routing.requestRoutes(0);
        }
        return this;
    }

    // =====================================================================================================
    // public API
    // =====================================================================================================

    /** The state of the client as a whole. */
    public ConnectionState state() {
        synchronized (s.lock) {
            return s.state;
        }
    }

    /** The state of the session with each node the client currently needs, by WebSocket URL. */
    public Map<String, ConnectionState> nodeStates() {
        synchronized (s.lock) {
            Map<String, ConnectionState> result = new LinkedHashMap<>();
            s.nodes.values().forEach(node -> result.put(node.url, node.state()));
            return result;
        }
    }

    /** Waits until the client is {@link ConnectionState#LIVE}; false if it is not within {@code timeout}. */
    public boolean awaitLive(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (s.lock) {
            while (s.state != ConnectionState.LIVE && !s.closed && !s.failed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(s.lock, left);
            }
            return s.state == ConnectionState.LIVE;
        }
    }

    public ClientStats stats() {
        return s.status.stats();
    }

    /**
     * The last cursor of every partition this client received events of. An application that must not miss
     * anything across its own restarts saves them and passes them to {@link Builder#resumeFrom} next time.
     */
    public List<String> cursors() {
        synchronized (s.lock) {
            return s.lobWide ? s.cursors.cursors() : s.positions.contactModeCursors();
        }
    }

    /** The contacts of a contact subscription (empty for a LOB-wide one). */
    public Set<String> contacts() {
        synchronized (s.lock) {
            return Set.copyOf(s.contacts);
        }
    }

    /** Adds contacts to a contact subscription; they are subscribed at their owners. */
    public void addContacts(Collection<String> more) {
        requireContactMode();
        s.routing.addContacts(more);
    }

    /** Removes contacts from a contact subscription; events of theirs still in flight are dropped. */
    public void removeContacts(Collection<String> fewer) {
        requireContactMode();
        s.routing.removeContacts(fewer);
    }

    /** What the client knows and waits for, node by node, in one line each: for logs when something hangs. */
    public String diagnostics() {
        return s.status.diagnostics();
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
        synchronized (s.lock) {
            if (s.closed) {
                return;
            }
            s.closed = true;
            if (s.routesTask != null) {
                s.routesTask.cancel(false);
            }
            for (Node node : List.copyOf(s.nodes.values())) {
                s.sessions.closeNode(node, "client closing");
            }
            s.status.updateOverall("closed");
            s.lock.notifyAll();
        }
        s.scheduler.shutdown();
        if (s.ownListenerExecutor != null) {
            s.ownListenerExecutor.shutdown(); // after the calls already queued, the last CLOSED status included
        }
    }

    @Override
    public String toString() {
        return s.name;
    }

    private void requireContactMode() {
        if (s.lobWide) {
            throw new IllegalStateException("a LOB-wide client has no contact list");
        }
    }

    /** Fault injection; see {@link #faults()}. */
    final class Faults {
        private final FaultInjection injection = new FaultInjection(s);

        private Faults() {
        }

        /** Drops every connection abruptly (no close frame), as a network blip does; the client reconnects. */
        public void dropConnections() {
            injection.dropConnections();
        }

        /** Drops every connection and stays offline for {@code duration}; see {@link FaultInjection#goOffline}. */
        public void goOffline(Duration duration) {
            injection.goOffline(duration);
        }

        /** Stops reading every session for {@code duration}; see {@link FaultInjection#stallReading}. */
        public void stallReading(Duration duration) {
            injection.stallReading(duration);
        }
    }

    // =====================================================================================================
    // builder
    // =====================================================================================================

    /** Configures a client. Required: a seed, a token provider, LOB-wide or contacts, an event listener. */
    public static final class Builder {
        final List<String> seeds = new ArrayList<>();
        Supplier<String> tokens;
        boolean lobWide;
        boolean modeChosen;
        final Set<String> contacts = new LinkedHashSet<>();
        Consumer<RelayEvent> eventListener;
        Consumer<StatusChange> statusListener = change -> { };
        Consumer<ClientError> errorListener = error -> { };
        boolean ack;
        Duration initialBackoff = Duration.ofMillis(100);
        Duration maxBackoff = Duration.ofSeconds(10);
        int dedupeWindow = 100_000;
        Duration requestTimeout = Duration.ofSeconds(5);
        Duration subscribeTimeout = Duration.ofSeconds(60);
        final List<String> initialCursors = new ArrayList<>();
        boolean sinceConfigured;
        Instant since;
        HttpClient http;
        String name;
        Executor listenerExecutor;
        int listenerBacklog = 1000;

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
