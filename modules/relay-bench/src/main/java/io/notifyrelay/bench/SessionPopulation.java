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
 * Sessions opened on one server and the events that reach them. {@link Kind#CONTACTS}: session i is of LOB
 * {@code i % lobs} and subscribes to its own contacts, so each event reaches one session. {@link Kind#LOB_WIDE} and
 * {@link Kind#SOCKET_IO}: session i of LOB {@code i % lobs} receives its whole LOB (a {@code /v1/ws} subscribe without
 * contacts, or a Socket.IO {@code REGISTER_SOCKET}), so each event reaches every session of its LOB
 * ({@link #fanOut}). {@link #targets} and {@link #keys} list whom the events are for, round-robin.
 */
final class SessionPopulation {

    /** What the sessions subscribe to, and over which protocol. */
    enum Kind { CONTACTS, LOB_WIDE, SOCKET_IO }

    /** Socket.IO over the WebSocket transport only (Engine.IO 4), as socket.io-client with transports ['websocket']. */
    static final String SOCKET_IO_PATH = "/socket.io/?EIO=4&transport=websocket";

    final List<LoadProducer.Target> targets = new ArrayList<>();
    final List<byte[]> keys = new ArrayList<>();
    final int sessions;
    /** Sessions each event reaches. */
    final int fanOut;
    final double connectSeconds;
    /** Events sent to this population so far that should have arrived. */
    long expected;

    /** Opens {@code sessions} sessions on {@code port}; fails unless every one of them subscribed. */
    SessionPopulation(BenchContext ctx, WsLoadClient client, int port, int firstContact, int sessions) {
        this(ctx, client, port, firstContact, sessions, ctx.o.lobs, Kind.CONTACTS);
    }

    /** Opens {@code sessions} sessions of {@code kind} over {@code lobs} LOBs; fails unless every one subscribed. */
    SessionPopulation(BenchContext ctx, WsLoadClient client, int port, int firstContact, int sessions, int lobs,
                      Kind kind) {
        BenchOptions o = ctx.o;
        this.sessions = sessions;
        if (kind != Kind.CONTACTS && sessions % lobs != 0) {
            throw new IllegalArgumentException(sessions + " LOB-wide sessions do not split evenly over " + lobs
                    + " LOBs");
        }
        this.fanOut = kind == Kind.CONTACTS ? 1 : sessions / lobs;
        if (kind != Kind.CONTACTS) {
            for (int l = 0; l < lobs; l++) { // one contact per LOB: the event's key and its notification's contactId
                String contact = contactId(firstContact + l);
                targets.add(new LoadProducer.Target("lob-" + l, contact));
                keys.add(contact.getBytes(StandardCharsets.US_ASCII));
            }
        }
        Map<String, String> authByLob = new HashMap<>();
        List<InetSocketAddress> addresses = addresses(port, sessions);
        Semaphore inFlight = new Semaphore(o.maxConnectInFlight);
        int readyBefore = client.ready.get();
        int failedBefore = client.failed.get();
        long t0 = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            String lob = "lob-" + (i % lobs);
            if (kind != Kind.CONTACTS) {
                inFlight.acquireUninterruptibly();
                client.open(lobWideSpec(addresses.get(i % addresses.size()), lob, kind), inFlight);
                continue;
            }
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
        return "{\"type\":\"auth\",\"token\":\"" + token(lob) + "\"}";
    }

    private static String token(String lob) {
        return TestTokens.hs256(BenchContext.SECRET).lob(lob).expiresIn(Duration.ofHours(6)).sign();
    }

    /**
     * A session that receives all of {@code lob}: on {@code /v1/ws} a subscribe without contacts; on Socket.IO the
     * CONNECT with the token, asking for each notification once, as {@code notification} only (by default the relay
     * also emits it under its payloadType name, two packets per event), then {@code REGISTER_SOCKET}.
     */
    static WsLoadClient.Spec lobWideSpec(InetSocketAddress address, String lob, Kind kind) {
        if (kind == Kind.SOCKET_IO) {
            return new WsLoadClient.Spec(address, SOCKET_IO_PATH,
                    "40{\"token\":\"" + token(lob) + "\",\"events\":\"notification\"}",
                    "42[\"REGISTER_SOCKET\",{\"lob_id\":\"" + lob + "\"}]", null, true);
        }
        return new WsLoadClient.Spec(address, "/v1/ws", authFrame(lob), "{\"type\":\"subscribe\"}", null);
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
