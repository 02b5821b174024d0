package io.notifyrelay.core.routing;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import io.notifyrelay.core.presence.NodePresence;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Who on this node receives an event for (lob, contact): the rule at the heart of the relay.
 *
 * <p>An event addressed to LOB {@code L} and contact {@code C} goes to every subscriber of {@code L}
 * that subscribed to all of {@code L} or to {@code C}, once each, and to nobody else. Lookups run on
 * the consumer thread without locking; changes (subscribe, unsubscribe, disconnect) are serialised
 * per LOB so an entry is never dropped while someone is being added to it.
 */
public final class SubscriptionRegistry<S extends Subscriber> {

    private final ConcurrentMap<String, LobSubscriptions<S>> byLob = new ConcurrentHashMap<>();
    private final AtomicLong lobWideSubscriptions = new AtomicLong();
    private final AtomicLong contactSubscriptions = new AtomicLong();

    private static final class LobSubscriptions<S> {
        final Set<S> wholeLob = ConcurrentHashMap.newKeySet();
        /**
         * Per contact: its one subscriber, or an {@code Object[]} of several, never changed once published
         * (copy on write). Nearly every contact has one session, and a set per contact cost ~250 bytes.
         */
        final ConcurrentMap<String, Object> byContact = new ConcurrentHashMap<>();

        boolean isEmpty() {
            return wholeLob.isEmpty() && byContact.isEmpty();
        }
    }

    /** Subscribes to everything addressed to {@code lobId}. */
    public void subscribeLob(String lobId, S subscriber) {
        byLob.compute(lobId, (lob, subs) -> {
            LobSubscriptions<S> entry = subs == null ? new LobSubscriptions<>() : subs;
            if (entry.wholeLob.add(subscriber)) {
                lobWideSubscriptions.incrementAndGet();
            }
            return entry;
        });
    }

    public void unsubscribeLob(String lobId, S subscriber) {
        byLob.computeIfPresent(lobId, (lob, subs) -> {
            if (subs.wholeLob.remove(subscriber)) {
                lobWideSubscriptions.decrementAndGet();
            }
            return subs.isEmpty() ? null : subs;
        });
    }

    public void subscribeContacts(String lobId, Collection<String> contactIds, S subscriber) {
        byLob.compute(lobId, (lob, subs) -> {
            LobSubscriptions<S> entry = subs == null ? new LobSubscriptions<>() : subs;
            for (String contactId : contactIds) {
                Object before = entry.byContact.get(contactId);
                Object after = with(before, subscriber);
                if (after != before) {
                    entry.byContact.put(contactId, after);
                    contactSubscriptions.incrementAndGet();
                }
            }
            return entry.isEmpty() ? null : entry;
        });
    }

    public void unsubscribeContacts(String lobId, Collection<String> contactIds, S subscriber) {
        byLob.computeIfPresent(lobId, (lob, subs) -> {
            for (String contactId : contactIds) {
                Object before = subs.byContact.get(contactId);
                Object after = without(before, subscriber);
                if (after != before) {
                    contactSubscriptions.decrementAndGet();
                    if (after == null) {
                        subs.byContact.remove(contactId);
                    } else {
                        subs.byContact.put(contactId, after);
                    }
                }
            }
            return subs.isEmpty() ? null : subs;
        });
    }

    /** Whether an event for (lobId, contactId) would reach any subscriber now: {@link #forEachRecipient}'s yes or no. */
    public boolean hasRecipient(String lobId, String contactId) {
        LobSubscriptions<S> subs = byLob.get(lobId);
        return subs != null && (!subs.wholeLob.isEmpty() || (contactId != null && subs.byContact.containsKey(contactId)));
    }

    /**
     * Hands {@code recipient} every subscriber that must receive an event for (lobId, contactId),
     * each exactly once, and returns how many there were.
     */
    public int forEachRecipient(String lobId, String contactId, Consumer<? super S> recipient) {
        LobSubscriptions<S> subs = byLob.get(lobId);
        if (subs == null) {
            return 0;
        }
        Set<S> handed = null;
        for (S subscriber : subs.wholeLob) {
            if (handed == null) {
                handed = Collections.newSetFromMap(new IdentityHashMap<>());
            }
            // a weakly consistent iterator may show a session that left and came back twice
            if (handed.add(subscriber)) {
                recipient.accept(subscriber);
            }
        }
        int count = handed == null ? 0 : handed.size();
        Object contactSubscribers = subs.byContact.get(contactId);
        if (contactSubscribers != null) {
            Object[] several = contactSubscribers instanceof Object[] array ? array : null;
            int n = several == null ? 1 : several.length;
            for (int i = 0; i < n; i++) {
                @SuppressWarnings("unchecked")
                S subscriber = (S) (several == null ? contactSubscribers : several[i]);
                // remember who had it rather than ask wholeLob again: a session may join or leave the
                // whole LOB while this lookup runs, and must get the event exactly once either way
                if (handed == null || handed.add(subscriber)) {
                    recipient.accept(subscriber);
                    count++;
                }
            }
        }
        return count;
    }

    /** {@code current} plus {@code subscriber}; {@code current} itself when it is already there. */
    private static Object with(Object current, Object subscriber) {
        if (current == null) {
            return subscriber;
        }
        Object[] all = current instanceof Object[] array ? array : new Object[] {current};
        for (Object existing : all) {
            if (existing == subscriber) {
                return current;
            }
        }
        Object[] more = Arrays.copyOf(all, all.length + 1);
        more[all.length] = subscriber;
        return more;
    }

    /** {@code current} less {@code subscriber} (null when none is left); {@code current} if it was not there. */
    private static Object without(Object current, Object subscriber) {
        if (current == subscriber) {
            return null;
        }
        if (!(current instanceof Object[] all)) {
            return current;
        }
        for (int at = 0; at < all.length; at++) {
            if (all[at] == subscriber) {
                if (all.length == 2) {
                    return all[1 - at];
                }
                Object[] fewer = new Object[all.length - 1];
                System.arraycopy(all, 0, fewer, 0, at);
                System.arraycopy(all, at + 1, fewer, at, all.length - at - 1);
                return fewer;
            }
        }
        return current;
    }

    /**
     * This node's sessions per LOB and contact, for the presence topic. Walks every subscription (every few
     * seconds, not per event); at most {@code maxContacts} contact entries, the rest marked truncated.
     */
    public NodePresence presence(String node, long atMs, int maxContacts) {
        Map<String, NodePresence.Lob> lobs = new HashMap<>();
        int contactEntries = 0;
        boolean truncated = false;
        for (Map.Entry<String, LobSubscriptions<S>> entry : byLob.entrySet()) {
            LobSubscriptions<S> subs = entry.getValue();
            Set<Object> sessions = Collections.newSetFromMap(new IdentityHashMap<>());
            sessions.addAll(subs.wholeLob);
            int lobWide = sessions.size();
            Map<String, Integer> contacts = new HashMap<>();
            for (Map.Entry<String, Object> contact : subs.byContact.entrySet()) {
                Object value = contact.getValue();
                Object[] several = value instanceof Object[] array ? array : new Object[] {value};
                int notLobWide = 0;
                for (Object subscriber : several) {
                    if (!subs.wholeLob.contains(subscriber)) {
                        notLobWide++;
                    }
                    sessions.add(subscriber);
                }
                if (notLobWide > 0) {
                    if (contactEntries < maxContacts) {
                        contacts.put(contact.getKey(), notLobWide);
                        contactEntries++;
                    } else {
                        truncated = true;
                    }
                }
            }
            if (!sessions.isEmpty()) {
                lobs.put(entry.getKey(), new NodePresence.Lob(sessions.size(), lobWide, contacts));
            }
        }
        return new NodePresence(node, atMs, lobs, truncated);
    }

    /** Subscriptions to a whole LOB, one per session; for metrics. */
    public long lobWideSubscriptionCount() {
        return lobWideSubscriptions.get();
    }

    /** Contact subscriptions, one per (session, contact); for metrics. */
    public long contactSubscriptionCount() {
        return contactSubscriptions.get();
    }

    /** Number of LOBs with at least one subscriber; for metrics. */
    public int lobCount() {
        return byLob.size();
    }
}
