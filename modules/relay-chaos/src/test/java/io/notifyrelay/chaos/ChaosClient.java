package io.notifyrelay.chaos;

import io.notifyrelay.client.ClientStats;
import io.notifyrelay.client.NotifyRelayClient;
import io.notifyrelay.client.RelayEvent;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** One application using the Java client: what it subscribed to and everything its listener was handed. */
final class ChaosClient {

    final String name;
    final String lob;
    /** Null for a LOB-wide subscription. */
    final Set<String> contacts;
    /** Event id → when the listener got it (nanoTime), first time only. */
    final ConcurrentHashMap<String, Long> received = new ConcurrentHashMap<>();
    /** Ids the listener was handed more than once: after de-duplication that must never happen. */
    final AtomicLong deliveredTwice = new AtomicLong();
    /** Events whose frame named another LOB than the client's. */
    final AtomicLong foreignLob = new AtomicLong();
    NotifyRelayClient client;

    ChaosClient(String name, String lob, Set<String> contacts) {
        this.name = name;
        this.lob = lob;
        this.contacts = contacts == null ? null : Set.copyOf(contacts);
    }

    /** Starts this application's Java client on {@code seeds}, with a token for its LOB (and contacts). */
    void start(java.util.List<String> seeds, java.net.http.HttpClient http, java.time.Duration tokenLifetime) {
        io.notifyrelay.testkit.TestTokens.TokenSpec token = io.notifyrelay.testkit.TestTokens.hs256(ChaosCluster.SECRET)
                .lob(lob).expiresIn(tokenLifetime);
        io.notifyrelay.testkit.TestTokens.TokenSpec scoped = lobWide() ? token : token.contacts(java.util.List.copyOf(contacts));
        NotifyRelayClient.Builder builder = NotifyRelayClient.builder().name(name).seeds(seeds).httpClient(http)
                .tokenProvider(scoped::sign).onEvent(this::onEvent);
        client = (lobWide() ? builder.lobWide() : builder.contacts(contacts)).start();
    }

    boolean lobWide() {
        return contacts == null;
    }

    /** Whether an event of {@code eventLob} about {@code contact} is addressed to this client's subscription. */
    boolean wants(String eventLob, String contact) {
        return lob.equals(eventLob) && (contacts == null || contacts.contains(contact));
    }

    void onEvent(RelayEvent event) {
        if (received.putIfAbsent(event.id(), System.nanoTime()) != null) {
            deliveredTwice.incrementAndGet();
        }
        if (!lob.equals(event.lobId())) {
            foreignLob.incrementAndGet();
        }
    }

    ClientStats stats() {
        return client.stats();
    }

    String kind() {
        return lobWide() ? "LOB-wide" : contacts.size() + " contact" + (contacts.size() == 1 ? "" : "s");
    }
}
