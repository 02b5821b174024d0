package io.notifyrelay.bench;

import io.notifyrelay.testkit.TestTokens;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Sessions opened on one server and the events that reach exactly one of them each: session i is of LOB
 * {@code i % lobs} and subscribes to its own contacts; {@link #targets} and {@link #keys} list those contacts.
 */
final class SessionPopulation {

    final List<LoadProducer.Target> targets = new ArrayList<>();
    final List<byte[]> keys = new ArrayList<>();
    final int sessions;
    final double connectSeconds;
    /** Events sent to this population so far that should have arrived. */
    long expected;

    /** Opens {@code sessions} sessions on {@code port}; fails unless every one of them subscribed. */
    SessionPopulation(BenchContext ctx, WsLoadClient client, int port, int firstContact, int sessions) {
        BenchOptions o = ctx.o;
        this.sessions = sessions;
        Map<String, String> authByLob = new HashMap<>();
        List<InetSocketAddress> addresses = addresses(port, sessions);
        Semaphore inFlight = new Semaphore(o.maxConnectInFlight);
        int readyBefore = client.ready.get();
        int failedBefore = client.failed.get();
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            String lob = "lob-" + (i % o.lobs);
            String auth = authByLob.computeIfAbsent(lob, SessionPopulation::authFrame);
            StringBuilder subscribe = new StringBuilder("{\"type\":\"subscribe\",\"contacts\":[");
            for (int c = 0; c < o.contactsPerSession; c++) {
                String contact = contactId(firstContact + i * o.contactsPerSession + c);
                subscribe.append(c == 0 ? "\"" : ",\"").append(contact).append('"');
                targets.add(new LoadProducer.Target(lob, contact));
                keys.add(contact.getBytes(StandardCharsets.US_ASCII));
            }
            subscribe.append("]}");
            inFlight.acquireUninterruptibly();
            client.open(new WsLoadClient.Spec(addresses.get(i % addresses.size()), "/v1/ws", auth,
                    subscribe.toString(), null), inFlight);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (client.ready.get() - readyBefore + client.failed.get() - failedBefore < sessions
                && System.nanoTime() < deadline) {
            WsLoadClient.sleep(20);
        }
        this.connectSeconds = (System.nanoTime() - t0) / 1e9;
        int ok = client.ready.get() - readyBefore;
        ctx.progress("%d sessions subscribed in %.1f s (%d failed%s)", ok, connectSeconds,
                client.failed.get() - failedBefore,
                client.lastFailure == null ? "" : "; last failure: " + client.lastFailure);
        if (ok < sessions) {
            throw new IllegalStateException("only " + ok + " of " + sessions + " sessions subscribed; last failure: "
                    + client.lastFailure);
        }
    }

    /** The {@code auth} frame for a session of {@code lob}: an HS256 token good for the whole run. */
    static String authFrame(String lob) {
        return "{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(BenchContext.SECRET).lob(lob)
                .expiresIn(Duration.ofHours(6)).sign() + "\"}";
    }

    /** Contact {@code n}: all bench contact ids have {@link BenchContext#CONTACT_LENGTH} characters. */
    static String contactId(int n) {
        String prefix = "c" + n + "-";
        return prefix + "843adb07-c0f3-4ad2-b08a-7680fe7eed8f".substring(0, BenchContext.CONTACT_LENGTH - prefix.length());
    }

    /** Several loopback addresses once one source address would run out of ephemeral ports (~28k by default). */
    private static List<InetSocketAddress> addresses(int port, int sessions) {
        int count = Math.max(1, (sessions + 19_999) / 20_000);
        List<InetSocketAddress> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(new InetSocketAddress("127.0.0." + i, port));
        }
        return list;
    }
}
