package io.notifyrelay.client;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import io.notifyrelay.client.NodeSession.Phase;

/**
 * Where the subscription is served: asks {@code GET /v1/routes} of the nodes the client knows (with backoff,
 * and again and again while not live), and turns an answer into sessions to open and contacts to place.
 */
final class RouteKeeper {

    private static final System.Logger LOG = System.getLogger(NotifyRelayClient.class.getName());

    private final ClientState s;

    RouteKeeper(ClientState s) {
        this.s = s;
    }

    /** Schedules a routes request in {@code delayNanos}, unless one is due sooner or running. Lock held. */
    void requestRoutes(long delayNanos) {
        if (s.closed || s.failed || !s.started) {
            return;
        }
        if (s.routesInFlight) {
            s.routesAgain = true;
            return;
        }
        long due = System.nanoTime() + delayNanos;
        if (s.routesTask != null && !s.routesTask.isDone()) {
            if (s.routesDueNanos - due <= 0) {
                return;
            }
            s.routesTask.cancel(false);
        }
        s.routesDueNanos = due;
        s.routesTask = s.scheduler.schedule(s.guarded("routes request", this::fetchRoutes), delayNanos,
                TimeUnit.NANOSECONDS);
    }

    void requestRoutesWithBackoff() {
        requestRoutes(s.backoff.delay(Math.min(s.routesAttempts++, 30)).toNanos());
    }

    /**
     * While not live, the routes are asked again and again (with backoff): whatever took part of the
     * subscription away (a lost moved frame, a node that left), the routes say where it is served now.
     */
    void keepAskingRoutes() {
        if (!s.started || s.closed || s.failed || s.offline || s.routesInFlight) {
            return;
        }
        if (s.routesTask == null || s.routesTask.isDone()) {
            requestRoutesWithBackoff();
        }
    }

    void fetchRoutes() {
        List<String> candidates = new ArrayList<>();
        synchronized (s.lock) {
            s.routesTask = null;
            if (s.closed || s.failed || s.offline) {
                return; // going back online requests them again
            }
            s.routesInFlight = true;
            s.routesAgain = false;
            // nodes we are talking to first (they are up), then every node we ever heard of
            s.nodes.values().stream().filter(n -> n.phase == Phase.OPEN).forEach(n -> candidates.add(n.url));
            candidates.addAll(s.knownUrls);
        }
        tryRoutes(new ArrayList<>(new LinkedHashSet<>(candidates)), 0);
    }

    void tryRoutes(List<String> candidates, int index) {
        if (index >= candidates.size()) {
            synchronized (s.lock) {
                s.routesInFlight = false;
                LOG.log(System.Logger.Level.DEBUG, "{0}: no node answered GET /v1/routes ({1} tried)", s.name,
                        candidates.size());
                s.status.updateOverall("no node reachable");
                requestRoutesWithBackoff();
            }
            return;
        }
        String url = candidates.get(index);
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(Routes.httpBase(url) + "/v1/routes"))
                    .timeout(s.requestTimeout).GET().build();
        } catch (IllegalArgumentException e) {
            tryRoutes(candidates, index + 1);
            return;
        }
        s.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, failure) -> {
            Routes answer = null;
            if (failure == null && response.statusCode() == 200) {
                try {
                    answer = Routes.parse(Frames.JSON.readTree(response.body()));
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "{0}: bad routes from {1}: {2}", s.name, url, e.toString());
                }
            }
            if (answer == null) {
                tryRoutes(candidates, index + 1);
                return;
            }
            synchronized (s.lock) {
                s.routesInFlight = false;
                try {
                    applyRoutes(answer);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, s.name + ": applying the routes failed", e);
                    requestRoutesWithBackoff();
                }
                if (s.routesAgain) {
                    s.routesAgain = false;
                    requestRoutes(0);
                }
            }
        });
    }

    /** Opens the sessions the routes call for and subscribes what waits for a node. Lock held. */
    void applyRoutes(Routes table) {
        if (s.closed || s.failed) {
            return;
        }
        s.routes = table;
        s.knownUrls.addAll(table.ownerUrls());
        if (table.node() != null) {
            s.knownUrls.add(table.node());
        }
        boolean incomplete;
        if (s.lobWide) {
            Set<String> wanted = SubscriptionPlanner.lobWideNodes(table, anywhereNode(table));
            Set<Integer> coveredNow = coveredPartitions();
            for (String url : wanted) {
                Node node = s.sessions.node(url);
                s.sessions.ensureConnected(node);
                if (node.phase == Phase.OPEN) {
                    Set<Integer> gained = SubscriptionPlanner.gainedPartitions(table, url, node.announced, coveredNow);
                    if (!gained.isEmpty()) {
                        // replayed on a fresh session
                        s.subscriptions.requestRefresh(node, "owns " + gained + " now", gained);
                    }
                }
            }
            for (Node node : List.copyOf(s.nodes.values())) {
                if (!wanted.contains(node.url) && node.announced.isEmpty() && node.subscribesInFlight == 0) {
                    s.sessions.closeNode(node, "owns no partition");
                }
            }
            incomplete = SubscriptionPlanner.lobWideIncomplete(table);
        } else {
            SubscriptionPlanner.partitions(table, s.contacts).forEach(s.contactPartition::putIfAbsent);
            // a contact already assigned is served by its node or was asked there: it answers subscribed or moved
            List<String> unplaced = s.contacts.stream().filter(contact -> !s.assignment.containsKey(contact)).toList();
            SubscriptionPlanner.placeContacts(table, unplaced, s.contactPartition, anywhereNode(table))
                    .forEach(this::assign);
            dropIdleContactNodes();
            for (Node node : List.copyOf(s.nodes.values())) {
                s.sessions.ensureConnected(node);
                s.subscriptions.flushSubscribes(node);
            }
            incomplete = s.contacts.stream().anyMatch(contact -> !s.assignment.containsKey(contact));
        }
        s.status.updateOverall(null);
        if (incomplete || s.state != ConnectionState.LIVE) {
            requestRoutesWithBackoff(); // owners unknown yet, or sessions still settling: look again soon
        }
    }

    /** Partitions a live session announced. */
    Set<Integer> coveredPartitions() {
        Set<Integer> union = new TreeSet<>();
        for (Node node : s.nodes.values()) {
            if (node.live()) {
                union.addAll(node.announced);
            }
        }
        return union;
    }

    /** In anywhere mode any node serves everything: stay with an open one, else the one that answered. */
    String anywhereNode(Routes table) {
        List<String> active = s.nodes.values().stream()
                .filter(node -> node.phase == Phase.OPEN || node.phase == Phase.CONNECTING
                        || node.phase == Phase.AUTHENTICATING)
                .map(node -> node.url).toList();
        return SubscriptionPlanner.anywhereNode(active, table, s.seeds.get(0));
    }

    void assign(String contact, String url) {
        String previous = s.assignment.put(contact, url);
        if (previous != null && !previous.equals(url)) {
            Node old = s.nodes.get(previous);
            if (old != null) {
                old.toSubscribe.remove(contact);
            }
        }
        s.sessions.node(url).toSubscribe.add(contact);
    }

    void dropIdleContactNodes() {
        if (s.lobWide) {
            return;
        }
        Set<String> used = new HashSet<>(s.assignment.values());
        for (Node node : List.copyOf(s.nodes.values())) {
            if (!used.contains(node.url) && node.served.isEmpty() && node.handingOver.isEmpty()
                    && node.subscribesInFlight == 0) {
                s.sessions.closeNode(node, "no contacts left");
            }
        }
    }

    /** Contacts added to the subscription are placed by the routes, and subscribed at their nodes. */
    void addContacts(Collection<String> more) {
        synchronized (s.lock) {
            if (s.closed || s.failed) {
                return;
            }
            boolean added = false;
            for (String contact : more) {
                added |= s.contacts.add(Objects.requireNonNull(contact, "contact"));
            }
            if (!added || !s.started) {
                return;
            }
            if (s.routes != null) {
                applyRoutes(s.routes);
            } else {
                requestRoutes(0);
            }
            s.status.updateOverall(null);
        }
    }

    /** Contacts leave the subscription: unsubscribed where they are served, forgotten where they wait. */
    void removeContacts(Collection<String> fewer) {
        synchronized (s.lock) {
            Map<Node, List<String>> byNode = new LinkedHashMap<>();
            for (String contact : fewer) {
                if (!s.contacts.remove(contact)) {
                    continue;
                }
                String url = s.assignment.remove(contact);
                s.nodes.values().forEach(n -> n.handingOver.remove(contact));
                Node node = url == null ? null : s.nodes.get(url);
                if (node != null) {
                    node.toSubscribe.remove(contact);
                    if (node.served.remove(contact) && node.phase == Phase.OPEN) {
                        byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(contact);
                    }
                }
            }
            byNode.forEach(s.sessions::unsubscribe);
            dropIdleContactNodes();
            s.status.updateOverall(null);
        }
    }
}
