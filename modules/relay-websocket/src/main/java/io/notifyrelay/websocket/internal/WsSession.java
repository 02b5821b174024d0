package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.websocket.CloseCodes;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: its authentication, its subscriptions and its outbound queue.
 *
 * <p>Client frames arrive on the connection's I/O thread; events arrive on the consumer thread through
 * {@link #deliver}. Delivery never blocks: bytes not yet written to the socket are counted, and a
 * session whose count passes the limit is closed with 4429 so it cannot hold memory or slow anyone.
 */
public final class WsSession implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(WsSession.class);

    private final String id;
    private final WebSocketChannel channel;
    private final SessionContext context;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Set<String> contacts = ConcurrentHashMap.newKeySet();
    /** Revoked partitions whose new owner the client has not been told yet, with the contacts to move. */
    private final Map<Integer, Set<String>> pendingMoves = new ConcurrentHashMap<>();
    private static final String UNKNOWN_OWNER = "";

    private volatile Principal principal;
    private volatile boolean lobWide;
    private volatile long lastHeardNanos = System.nanoTime();
    private XnioExecutor.Key authTimer;
    private XnioExecutor.Key expiryTimer;
    private XnioExecutor.Key heartbeatTimer;

    WsSession(String id, WebSocketChannel channel, SessionContext context) {
        this.id = id;
        this.channel = channel;
        this.context = context;
    }

    public String id() {
        return id;
    }

    void onOpen() {
        Duration authTimeout = context.settings().authTimeout();
        authTimer = channel.getIoThread().executeAfter(() -> {
            if (principal == null) {
                close(CloseCodes.AUTH_TIMEOUT, "no auth frame within " + authTimeout.toMillis() + " ms");
            }
        }, authTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Any frame, pong included, shows the client is alive. */
    void heard() {
        lastHeardNanos = System.nanoTime();
    }

    void onText(String text) {
        heard();
        ClientFrame frame = ClientFrame.parse(text);
        if (frame instanceof ClientFrame.Ping) {
            sendControl(ServerFrames.pong());
        } else if (frame instanceof ClientFrame.Invalid invalid) {
            sendControl(ServerFrames.error(invalid.code(), invalid.message()));
        } else if (frame instanceof ClientFrame.Auth auth) {
            onAuth(auth.token());
        } else if (principal == null) {
            close(CloseCodes.UNAUTHORIZED, "send auth first");
        } else if (frame instanceof ClientFrame.Subscribe subscribe) {
            onSubscribe(subscribe);
        } else if (frame instanceof ClientFrame.Unsubscribe unsubscribe) {
            onUnsubscribe(unsubscribe.contacts());
        }
    }

    private void onAuth(String token) {
        Principal verified;
        try {
            verified = context.tokenVerifier().verify(token);
        } catch (AuthenticationException e) {
            close(CloseCodes.UNAUTHORIZED, e.getMessage());
            return;
        }
        Principal current = principal;
        if (current != null) {
            refresh(current, verified);
            return;
        }
        principal = verified;
        cancel(authTimer);
        scheduleExpiry(verified.expiresAt());
        long heartbeatMs = context.settings().heartbeatInterval().toMillis();
        heartbeatTimer = channel.getIoThread().executeAtInterval(this::heartbeat, heartbeatMs, TimeUnit.MILLISECONDS);
        sendControl(ServerFrames.welcome(id, context.settings().nodeId(), heartbeatMs));
    }

    /** A fresh token for the same LOB extends the session; it may not widen what the session sees. */
    private void refresh(Principal current, Principal fresh) {
        if (!fresh.lobId().equals(current.lobId())) {
            close(CloseCodes.UNAUTHORIZED, "a refreshed token must be for the same lob");
            return;
        }
        if (fresh.restrictedToContacts() && (lobWide || !fresh.allowedContacts().containsAll(contacts))) {
            close(CloseCodes.FORBIDDEN, "the refreshed token no longer allows the current subscriptions");
            return;
        }
        principal = fresh;
        cancel(expiryTimer);
        scheduleExpiry(fresh.expiresAt());
    }

    private void scheduleExpiry(Instant expiresAt) {
        long delayMs = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
        Principal scheduledFor = principal;
        expiryTimer = channel.getIoThread().executeAfter(() -> {
            if (principal == scheduledFor) {
                close(CloseCodes.UNAUTHORIZED, "token expired");
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    private void onSubscribe(ClientFrame.Subscribe subscribe) {
        if (subscribe.cursors() != null || subscribe.since() != null) {
            sendControl(ServerFrames.error("resume_unavailable",
                    "this relay version does not replay; subscribed to the live stream only"));
        }
        Principal who = principal;
        List<String> requested = subscribe.contacts();
        if (requested == null && !who.restrictedToContacts()) {
            lobWide = true;
            context.registry().subscribeLob(who.lobId(), this);
            // served for this node's partitions; the client finds the others' owners in GET /v1/routes
            sendControl(ServerFrames.subscribed(null, new TreeSet<>(context.partitions().ownedPartitions())));
            return;
        }
        // a token limited to some contacts turns "everything of my LOB" into "all my contacts"
        Set<String> wanted = new LinkedHashSet<>(requested == null ? who.allowedContacts() : requested);
        for (String contactId : wanted) {
            if (!who.mayReceive(contactId)) {
                close(CloseCodes.FORBIDDEN, "contact " + contactId + " is not in the token's contacts claim");
                return;
            }
        }
        Set<String> after = new LinkedHashSet<>(contacts);
        after.addAll(wanted);
        if (after.size() > context.settings().maxContactsPerSession()) {
            sendControl(ServerFrames.error("too_many_subscriptions", "a session may subscribe to at most "
                    + context.settings().maxContactsPerSession() + " contacts"));
            return;
        }
        // serve here what this node owns; point the client to the owner of the rest
        Set<Integer> owned = context.partitions().ownedPartitions();
        Set<String> servedHere = new LinkedHashSet<>();
        Set<Integer> partitions = new TreeSet<>();
        Map<Integer, Set<String>> elsewhere = new TreeMap<>();
        for (String contactId : wanted) {
            int partition = context.partitions().partitionOf(contactId);
            if (owned.contains(partition)) {
                servedHere.add(contactId);
                partitions.add(partition);
            } else {
                elsewhere.computeIfAbsent(partition, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        contacts.addAll(servedHere);
        context.registry().subscribeContacts(who.lobId(), servedHere, this);
        sendControl(ServerFrames.subscribed(new ArrayList<>(servedHere), partitions));
        sendMoves(elsewhere);
    }

    /** One {@code moved} frame per owner, naming its contacts and partitions. */
    private void sendMoves(Map<Integer, Set<String>> contactsByPartition) {
        Map<String, Set<Integer>> partitionsByOwner = new LinkedHashMap<>();
        Map<String, Set<String>> contactsByOwner = new LinkedHashMap<>();
        for (Map.Entry<Integer, Set<String>> entry : contactsByPartition.entrySet()) {
            String owner = context.partitions().ownerOf(entry.getKey()).orElse(UNKNOWN_OWNER);
            partitionsByOwner.computeIfAbsent(owner, o -> new TreeSet<>()).add(entry.getKey());
            contactsByOwner.computeIfAbsent(owner, o -> new LinkedHashSet<>()).addAll(entry.getValue());
        }
        partitionsByOwner.forEach((owner, partitions) -> sendControl(ServerFrames.moved(contactsByOwner.get(owner),
                partitions, UNKNOWN_OWNER.equals(owner) ? null : owner)));
    }

    /**
     * The group took partitions from this node. Contacts on them are no longer served here; the client
     * is told where they went as soon as the new owner is known ({@link #routesChanged()}).
     */
    void partitionsRevoked(Set<Integer> revoked) {
        Principal who = principal;
        if (who == null) {
            return;
        }
        List<String> leaving = new ArrayList<>();
        for (String contactId : contacts) {
            int partition = context.partitions().partitionOf(contactId);
            if (revoked.contains(partition)) {
                leaving.add(contactId);
                pendingMoves.computeIfAbsent(partition, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        if (!leaving.isEmpty()) {
            contacts.removeAll(leaving);
            context.registry().unsubscribeContacts(who.lobId(), leaving, this);
        }
        if (lobWide) {
            for (Integer partition : revoked) {
                pendingMoves.computeIfAbsent(partition, p -> new LinkedHashSet<>());
            }
        }
        routesChanged();
    }

    /** Partitions came (back) to this node: contacts still waiting to be moved are served here again. */
    void partitionsAssigned(Set<Integer> assigned) {
        Principal who = principal;
        if (who == null) {
            return;
        }
        List<String> back = new ArrayList<>();
        for (Integer partition : assigned) {
            Set<String> waiting = pendingMoves.remove(partition);
            if (waiting != null) {
                back.addAll(waiting);
            }
        }
        if (!back.isEmpty()) {
            contacts.addAll(back);
            context.registry().subscribeContacts(who.lobId(), back, this);
        }
    }

    /** Sends {@code moved} for every revoked partition whose new owner is now known. */
    void routesChanged() {
        Map<Integer, Set<String>> ready = new TreeMap<>();
        Set<Integer> owned = context.partitions().ownedPartitions();
        for (Integer partition : new ArrayList<>(pendingMoves.keySet())) {
            if (owned.contains(partition)) {
                continue;
            }
            if (context.partitions().ownerOf(partition).isPresent()) {
                ready.put(partition, pendingMoves.remove(partition));
            }
        }
        if (!ready.isEmpty()) {
            sendMoves(ready);
        }
    }

    private void onUnsubscribe(List<String> unwanted) {
        contacts.removeAll(unwanted);
        context.registry().unsubscribeContacts(principal.lobId(), unwanted, this);
        sendControl(ServerFrames.unsubscribed(unwanted));
    }

    @Override
    public void deliver(RelayEvent event) {
        Principal who = principal;
        if (who == null || closing.get()) {
            return;
        }
        if (!who.lobId().equals(event.lobId()) || !who.mayReceive(event.contactId())) {
            // the registry should make this impossible; never let it through if it happens
            log.error("Refused to deliver {} to session {} of lob {}", event, id, who.lobId());
            return;
        }
        byte[] frame = event.encoded(ServerFrames.EVENT_ENCODER);
        if (pendingBytes.addAndGet(frame.length) > context.settings().maxOutboundBytes()) {
            close(CloseCodes.TOO_SLOW, "session too slow: more than " + context.settings().maxOutboundBytes()
                    + " bytes waiting; reconnect and resume from your last cursor");
            return;
        }
        WebSockets.sendText(ByteBuffer.wrap(frame), channel, new Written(frame.length));
    }

    private void sendControl(String json) {
        if (closing.get()) {
            return;
        }
        byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        pendingBytes.addAndGet(bytes.length);
        WebSockets.sendText(ByteBuffer.wrap(bytes), channel, new Written(bytes.length));
    }

    private void heartbeat() {
        long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNanos);
        if (silentMs > 2 * context.settings().heartbeatInterval().toMillis()) {
            log.debug("Session {} silent for {} ms; closing", id, silentMs);
            IoUtils.safeClose(channel);
            return;
        }
        WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
    }

    /** Sends a close frame, then drops the connection if the client does not answer in time. */
    public void close(int code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        log.debug("Closing session {} with {}: {}", id, code, reason);
        WebSockets.sendClose(code, truncateReason(reason), channel, null);
        channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                context.settings().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Called once the connection is gone, however it ended. */
    void onClosed() {
        closing.set(true);
        cancel(authTimer);
        cancel(expiryTimer);
        cancel(heartbeatTimer);
        Principal who = principal;
        if (who != null) {
            if (lobWide) {
                context.registry().unsubscribeLob(who.lobId(), this);
            }
            if (!contacts.isEmpty()) {
                context.registry().unsubscribeContacts(who.lobId(), List.copyOf(contacts), this);
            }
        }
        context.sessionClosed(this);
    }

    /** Runs {@code task} on this connection's I/O thread, where all of its state changes happen. */
    public void onIoThread(Runnable task) {
        channel.getIoThread().execute(task);
    }

    public void notifyRevoked(Set<Integer> revoked) {
        onIoThread(() -> partitionsRevoked(revoked));
    }

    public void notifyAssigned(Set<Integer> assigned) {
        onIoThread(() -> partitionsAssigned(assigned));
    }

    public void notifyRoutesChanged() {
        onIoThread(this::routesChanged);
    }

    public long pendingBytes() {
        return pendingBytes.get();
    }

    private static void cancel(XnioExecutor.Key key) {
        if (key != null) {
            key.remove();
        }
    }

    /** Close reasons are limited to 123 bytes by RFC 6455. */
    private static String truncateReason(String reason) {
        byte[] bytes = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        return new String(bytes, 0, 120, java.nio.charset.StandardCharsets.UTF_8).replace("\uFFFD", "") + "...";
    }

    private final class Written implements WebSocketCallback<Void> {
        private final int size;

        Written(int size) {
            this.size = size;
        }

        @Override
        public void complete(WebSocketChannel ch, Void context) {
            pendingBytes.addAndGet(-size);
        }

        @Override
        public void onError(WebSocketChannel ch, Void context, Throwable throwable) {
            pendingBytes.addAndGet(-size);
            log.debug("Write to session {} failed: {}", id, throwable.toString());
            IoUtils.safeClose(ch);
        }
    }
}
