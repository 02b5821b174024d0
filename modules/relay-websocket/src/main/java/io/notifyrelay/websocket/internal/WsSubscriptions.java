package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.websocket.CloseCodes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.UnaryOperator;

/**
 * What a /v1/ws session is subscribed to on this node, and where the rest went: {@code subscribe} and
 * {@code unsubscribe}, contacts served here or pointed to their owner ({@code moved}), and the moves a rebalance or
 * a partition count change makes. Changes happen on the session's I/O thread, except {@link #joinLob} and
 * {@link #joinContacts} at the resume seam (consumer thread).
 */
final class WsSubscriptions {

    private static final String UNKNOWN_OWNER = "";
    private static final AtomicReferenceFieldUpdater<WsSubscriptions, Set> CONTACTS =
            AtomicReferenceFieldUpdater.newUpdater(WsSubscriptions.class, Set.class, "contacts");

    private final WsSession session;
    /**
     * The contacts served here: an immutable set, replaced on change through {@link #CONTACTS}. Changes
     * are rare (subscribe, rebalance) and an idle session should not carry a concurrent set (~200 bytes).
     */
    private volatile Set<String> contacts = Set.of();
    /**
     * Revoked partitions whose new owner the client has not been told yet, with the contacts to move. Created on
     * first use (most sessions never see a rebalance); read and changed on the I/O thread only.
     */
    private Map<Integer, Set<String>> pendingMoves;
    private volatile boolean lobWide;
    /**
     * A LOB-wide resume was asked for: the session is becoming LOB-wide, though {@link #lobWide} turns true
     * only at the seam. A token refresh is checked against this too.
     */
    private volatile boolean becomingLobWide;

    WsSubscriptions(WsSession session) {
        this.session = session;
    }

    /** Through the session, not a field of its own: one per session, and idle sessions are most of a node. */
    private SessionContext context() {
        return session.context();
    }

    /**
     * Whether a refreshed token still allows what the session is and is becoming: a LOB-wide resume not yet at
     * its seam, contacts waiting to be moved back after a rebalance; all of it changes on the I/O thread only.
     */
    boolean allowedBy(Principal fresh) {
        if (!fresh.restrictedToContacts()) {
            return true;
        }
        if (lobWide || becomingLobWide || !fresh.allowedContacts().containsAll(contacts)) {
            return false;
        }
        return pendingMoves == null
                || pendingMoves.values().stream().allMatch(waiting -> fresh.allowedContacts().containsAll(waiting));
    }

    void onSubscribe(ClientFrame.Subscribe subscribe) {
        Principal who = session.principal();
        ResumePlan resume = ResumePlan.parse(subscribe, context().partitions().epoch());
        if (resume.badSince() != null) {
            session.sendControl(ServerFrames.error("bad_frame", resume.badSince()));
        }
        List<String> requested = subscribe.contacts();
        if (requested == null && !who.restrictedToContacts()) {
            // served for this node's partitions; the client finds the others' owners in GET /v1/routes
            Set<Integer> partitions = new TreeSet<>(context().partitions().ownedPartitions());
            if (!resume.requested()) {
                // subscribed goes out first, so no event can overtake it
                session.sendControl(ServerFrames.subscribed(null, partitions, null, null));
                joinLob(who.lobId());
            } else {
                becomingLobWide = true;
                WsResume.start(session, resume, null, partitions);
            }
            return;
        }
        // a token limited to some contacts turns "everything of my LOB" into "all my contacts"
        if (requested != null && !idsFit(requested)) {
            return;
        }
        Set<String> wanted = new LinkedHashSet<>(requested == null ? who.allowedContacts() : requested);
        for (String contactId : wanted) {
            if (!who.mayReceive(contactId)) {
                session.close(CloseCodes.FORBIDDEN, "contact " + contactId + " is not in the token's contacts claim");
                return;
            }
        }
        if (!fits(wanted)) {
            return;
        }
        // serve here what this node owns; point the client to the owner of the rest
        Set<Integer> owned = context().partitions().ownedPartitions();
        Set<String> servedHere = new LinkedHashSet<>();
        Set<Integer> partitions = new TreeSet<>();
        Map<Integer, Set<String>> elsewhere = new TreeMap<>();
        for (String contactId : wanted) {
            int partition = context().partitions().partitionOf(contactId);
            if (owned.contains(partition)) {
                servedHere.add(contactId);
                partitions.add(partition);
            } else {
                elsewhere.computeIfAbsent(partition, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        sendMoves(elsewhere);
        addContacts(servedHere);
        if (!resume.requested()) {
            session.sendControl(ServerFrames.subscribed(new ArrayList<>(servedHere), partitions, null, null));
            context().registry().subscribeContacts(who.lobId(), servedHere, session);
        } else {
            WsResume.start(session, resume, servedHere, partitions);
        }
    }

    /** A bad member, as clients already handle it: that subscribe is not answered with subscribed. */
    private boolean idsFit(List<String> requested) {
        for (String contactId : requested) {
            if (!context().bounds().idFits(contactId)) {
                context().metrics().rejectedFrame("bad_frame");
                session.sendControl(ServerFrames.error("bad_frame", "a contact id may be at most "
                        + context().bounds().maxContactIdBytes() + " bytes (UTF-8); nothing of this subscribe was"
                        + " subscribed"));
                return false;
            }
        }
        return true;
    }

    /** Whether the session's contacts with {@code wanted} added stay within the session's bounds. */
    private boolean fits(Set<String> wanted) {
        Set<String> after = new LinkedHashSet<>(contacts);
        after.addAll(wanted);
        if (after.size() > context().settings().maxContactsPerSession()) {
            session.sendControl(ServerFrames.error("too_many_subscriptions", "a session may subscribe to at most "
                    + context().settings().maxContactsPerSession() + " contacts"));
            return false;
        }
        if (!context().bounds().subscriptionFits(after)) {
            session.sendControl(ServerFrames.error("too_many_subscriptions", "a session's contact ids may add up to at most "
                    + context().bounds().maxSubscriptionBytes() + " bytes (UTF-8); nothing of this subscribe was"
                    + " subscribed"));
            return false;
        }
        return true;
    }

    void onUnsubscribe(List<String> unwanted) {
        removeContacts(unwanted);
        context().registry().unsubscribeContacts(session.principal().lobId(), unwanted, session);
        session.sendControl(ServerFrames.unsubscribed(unwanted));
    }

    /** The session is served every partition this node owns, old and new. */
    void joinLob(String lobId) {
        lobWide = true;
        context().registry().subscribeLob(lobId, session);
    }

    /** The resume seam: {@code served} join the live stream; {@code lost} left this node meanwhile. */
    void joinContacts(String lobId, Set<String> served, Map<Integer, Set<String>> lost) {
        lost.values().forEach(this::removeContacts);
        context().registry().subscribeContacts(lobId, served, session);
    }

    /** The session closed: nothing more is delivered to it. */
    void leaveAll(String lobId) {
        if (lobWide) {
            context().registry().unsubscribeLob(lobId, session);
        }
        if (!contacts.isEmpty()) {
            context().registry().unsubscribeContacts(lobId, List.copyOf(contacts), session);
        }
    }

    private Map<Integer, Set<String>> pendingMoves() {
        if (pendingMoves == null) {
            pendingMoves = new HashMap<>();
        }
        return pendingMoves;
    }

    /** One {@code moved} frame per owner, naming its contacts and partitions. */
    void sendMoves(Map<Integer, Set<String>> contactsByPartition) {
        Map<String, Set<Integer>> partitionsByOwner = new LinkedHashMap<>();
        Map<String, Set<String>> contactsByOwner = new LinkedHashMap<>();
        for (Map.Entry<Integer, Set<String>> entry : contactsByPartition.entrySet()) {
            String owner = context().partitions().ownerOf(entry.getKey()).orElse(UNKNOWN_OWNER);
            partitionsByOwner.computeIfAbsent(owner, o -> new TreeSet<>()).add(entry.getKey());
            contactsByOwner.computeIfAbsent(owner, o -> new LinkedHashSet<>()).addAll(entry.getValue());
        }
        partitionsByOwner.forEach((owner, partitions) -> session.sendControl(ServerFrames.moved(
                contactsByOwner.get(owner), partitions, UNKNOWN_OWNER.equals(owner) ? null : owner)));
    }

    /**
     * The group took partitions from this node. Contacts on them are no longer served here; the client
     * is told where they went as soon as the new owner is known ({@link #routesChanged()}).
     */
    void partitionsRevoked(Set<Integer> revoked) {
        Principal who = session.principal();
        if (who == null) {
            return;
        }
        List<String> leaving = new ArrayList<>();
        for (String contactId : contacts) {
            int partition = context().partitions().partitionOf(contactId);
            if (revoked.contains(partition)) {
                leaving.add(contactId);
                pendingMoves().computeIfAbsent(partition, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        if (!leaving.isEmpty()) {
            removeContacts(leaving);
            context().registry().unsubscribeContacts(who.lobId(), leaving, session);
        }
        if (lobWide) {
            for (Integer partition : revoked) {
                pendingMoves().computeIfAbsent(partition, p -> new LinkedHashSet<>());
            }
        }
        routesChanged();
    }

    /** Partitions came (back) to this node: contacts still waiting to be moved are served here again. */
    void partitionsAssigned(Set<Integer> assigned) {
        Principal who = session.principal();
        if (who == null) {
            return;
        }
        List<String> back = new ArrayList<>();
        for (Integer partition : assigned) {
            Set<String> waiting = pendingMoves == null ? null : pendingMoves.remove(partition);
            if (waiting != null) {
                waiting.stream().filter(who::mayReceive).forEach(back::add);
            }
        }
        if (!back.isEmpty()) {
            addContacts(back);
            context().registry().subscribeContacts(who.lobId(), back, session);
        }
    }

    /**
     * The topic grew from {@code previous} partitions: contacts the producers now put on a partition this
     * node does not own are also sent to that partition's owner ({@code moved}), while they stay subscribed
     * here, so what producers with older metadata still write to the old partition keeps arriving too.
     */
    void partitionCountChanged(int previous) {
        if (session.principal() == null || lobWide) {
            return; // a LOB-wide session is served every partition this node owns, old and new
        }
        Set<Integer> owned = context().partitions().ownedPartitions();
        Map<Integer, Set<String>> alsoElsewhere = new TreeMap<>();
        for (String contactId : contacts) {
            int now = context().partitions().partitionOf(contactId);
            if (now != context().partitions().partitionOf(contactId, previous) && !owned.contains(now)) {
                alsoElsewhere.computeIfAbsent(now, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        Map<Integer, Set<String>> known = new TreeMap<>();
        alsoElsewhere.forEach((partition, moving) -> {
            if (context().partitions().ownerOf(partition).isPresent()) {
                known.put(partition, moving);
            } else {
                // the new partition has no owner yet: told by routesChanged once it has
                pendingMoves().computeIfAbsent(partition, p -> new LinkedHashSet<>()).addAll(moving);
            }
        });
        if (!known.isEmpty()) {
            sendMoves(known);
        }
    }

    /** Sends {@code moved} for every revoked partition whose new owner is now known. */
    void routesChanged() {
        if (pendingMoves == null) {
            return;
        }
        Map<Integer, Set<String>> ready = new TreeMap<>();
        Set<Integer> owned = context().partitions().ownedPartitions();
        for (Integer partition : new ArrayList<>(pendingMoves.keySet())) {
            if (owned.contains(partition)) {
                continue;
            }
            if (context().partitions().ownerOf(partition).isPresent()) {
                ready.put(partition, pendingMoves.remove(partition));
            }
        }
        if (!ready.isEmpty()) {
            sendMoves(ready);
        }
    }

    private void addContacts(Collection<String> more) {
        if (!more.isEmpty()) {
            updateContacts(current -> {
                Set<String> next = new LinkedHashSet<>(current);
                next.addAll(more);
                return next;
            });
        }
    }

    private void removeContacts(Collection<String> less) {
        updateContacts(current -> {
            Set<String> next = new LinkedHashSet<>(current);
            next.removeAll(less);
            return next;
        });
    }

    /** Copy on write; the I/O thread (subscribe) and the consumer thread (rebalance) may race. */
    @SuppressWarnings("unchecked")
    private void updateContacts(UnaryOperator<Set<String>> change) {
        while (true) {
            Set<String> current = contacts;
            Set<String> changed = change.apply(current);
            // keep the client's order (it shows in moved frames); one contact, the usual case, costs no set
            Set<String> next = changed.size() <= 1 ? Set.copyOf(changed) : Collections.unmodifiableSet(changed);
            if (CONTACTS.compareAndSet(this, current, next)) {
                return;
            }
        }
    }
}
