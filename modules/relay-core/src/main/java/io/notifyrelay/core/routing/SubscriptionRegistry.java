package io.notifyrelay.core.routing;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
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
        final ConcurrentMap<String, Set<S>> byContact = new ConcurrentHashMap<>();

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
                if (entry.byContact.computeIfAbsent(contactId, c -> ConcurrentHashMap.newKeySet()).add(subscriber)) {
                    contactSubscriptions.incrementAndGet();
                }
            }
            return entry.isEmpty() ? null : entry;
        });
    }

    public void unsubscribeContacts(String lobId, Collection<String> contactIds, S subscriber) {
        byLob.computeIfPresent(lobId, (lob, subs) -> {
            for (String contactId : contactIds) {
                subs.byContact.computeIfPresent(contactId, (c, set) -> {
                    if (set.remove(subscriber)) {
                        contactSubscriptions.decrementAndGet();
                    }
                    return set.isEmpty() ? null : set;
                });
            }
            return subs.isEmpty() ? null : subs;
        });
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
        Set<S> contactSubscribers = subs.byContact.get(contactId);
        if (contactSubscribers != null) {
            for (S subscriber : contactSubscribers) {
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
