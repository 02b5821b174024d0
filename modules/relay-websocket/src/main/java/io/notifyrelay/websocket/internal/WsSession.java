package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.websocket.CloseCodes;
import io.notifyrelay.websocket.session.CatchUp;
import io.notifyrelay.websocket.session.FrameRate;
import io.notifyrelay.websocket.session.ForwardOffsets;
import io.notifyrelay.websocket.session.OutboundBytes;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
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
    /** Should never happen; if it does, every live event could say so: at most a few lines a second. */
    private static final RateLimitedLog refusedLog = new RateLimitedLog(log, 5);

    private final String id;
    private final WebSocketChannel channel;
    private final SessionContext context;
    /** Bytes queued and not yet written, and the catch-up waiting for room. */
    private final OutboundBytes outbound;
    private final AtomicBoolean closing = new AtomicBoolean();
    /**
     * The contacts served here: an immutable set, replaced on change through {@link #CONTACTS}. Changes
     * are rare (subscribe, rebalance) and an idle session should not carry a concurrent set (~200 bytes).
     */
    private volatile Set<String> contacts = Set.of();
    private static final AtomicReferenceFieldUpdater<WsSession, Set> CONTACTS =
            AtomicReferenceFieldUpdater.newUpdater(WsSession.class, Set.class, "contacts");
    /** What was sent per partition, allocated on the first event so idle sessions hold none. */
    private volatile ForwardOffsets sent;
    /** Live events of partitions still being replayed wait here until the replay is over. */
    private final CatchUp catchUp;
    private static final long ROOM_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private volatile boolean resuming;
    /** The resume in flight, cancelled if the session closes first. */
    private volatile Replayer.Resume resumeInFlight = Replayer.Resume.DONE;
    /**
     * A LOB-wide resume was asked for: the session is becoming LOB-wide, though {@link #lobWide} turns true
     * only at the seam. A token refresh is checked against this too.
     */
    private volatile boolean becomingLobWide;
    /** Client frames this second; I/O thread only. */
    private final FrameRate frameRate = new FrameRate();
    /** Revoked partitions whose new owner the client has not been told yet, with the contacts to move. */
    private final Map<Integer, Set<String>> pendingMoves = new ConcurrentHashMap<>();
    private static final String UNKNOWN_OWNER = "";

    private volatile Principal principal;
    private volatile boolean lobWide;
    private volatile long lastHeardNanos = System.nanoTime();
    /** Null until the client subscribes with {@code ack: true}. */
    private volatile AckWindow acks;
    private XnioExecutor.Key authTimer;
    /** The token_expiring warning and the 4401 at exp + grace, re-armed by every refresh. */
    private final TokenExpiry expiry = new TokenExpiry();

    WsSession(String id, WebSocketChannel channel, SessionContext context) {
        this.id = id;
        this.channel = channel;
        this.context = context;
        this.outbound = new OutboundBytes(context.settings().maxOutboundBytes(), closing::get);
        this.catchUp = new CatchUp(context.settings().maxOutboundBytes());
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
        if (!frameRate.admit(context.limits().maxFramesPerSecond())) {
            close(CloseCodes.POLICY_VIOLATION, "more than " + context.limits().maxFramesPerSecond() + " frames per second");
            return;
        }
        ClientFrame frame = ClientFrame.parse(text);
        if (frame instanceof ClientFrame.Ping) {
            sendControl(ServerFrames.pong());
        } else if (frame instanceof ClientFrame.Invalid invalid) {
            context.metrics().rejectedFrame(invalid.code());
            sendControl(ServerFrames.error(invalid.code(), invalid.message()));
        } else if (frame instanceof ClientFrame.Auth auth) {
            onAuth(auth.token(), auth.previousSession());
        } else if (principal == null) {
            close(CloseCodes.UNAUTHORIZED, "send auth first");
        } else if (frame instanceof ClientFrame.Subscribe subscribe) {
            onSubscribe(subscribe);
        } else if (frame instanceof ClientFrame.Unsubscribe unsubscribe) {
            onUnsubscribe(unsubscribe.contacts());
        } else if (frame instanceof ClientFrame.Ack ack) {
            onAck(ack.ids());
        }
    }

    /** Each id this session got (among its last {@link AckWindow#CAPACITY}) becomes one acknowledgement; others are ignored. */
    private void onAck(List<String> ids) {
        AckWindow window = acks;
        if (window == null) {
            sendControl(ServerFrames.error("bad_frame", "subscribe with \"ack\": true before sending ack"));
            return;
        }
        for (String eventId : ids) {
            io.notifyrelay.core.receipt.EventRef event = window.take(eventId, principal.lobId());
            if (event != null) {
                context.outcomes().acknowledged(event);
            }
        }
    }

    private void onAuth(String token, String previousSession) {
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
        if (!context.lobSessions().tryAdmit(verified.lobId())) {
            close(CloseCodes.TRY_AGAIN_LATER, "lob has its maximum of " + context.limits().maxSessionsPerLob()
                    + " sessions on this node");
            return;
        }
        principal = verified;
        cancel(authTimer);
        authTimer = null; // a removed timer key still holds its task; an idle session should not
        scheduleExpiry(verified.expiresAt());
        lastHeardNanos = System.nanoTime();
        // the close frame of a 4429 may never have reached the client: tell it now
        sendControl(ServerFrames.welcome(id, context.settings().nodeId(),
                context.settings().heartbeatInterval().toMillis(),
                context.recentCloses().take(previousSession, verified.lobId()).orElse(null)));
    }

    /** A fresh token for the same LOB extends the session; it may not widen what the session sees. */
    private void refresh(Principal current, Principal fresh) {
        if (!fresh.lobId().equals(current.lobId())) {
            close(CloseCodes.UNAUTHORIZED, "a refreshed token must be for the same lob");
            return;
        }
        // checked against what the session is and is becoming: a LOB-wide resume not yet at its seam, contacts
        // waiting to be moved back after a rebalance; all of it changes on this I/O thread only
        if (fresh.restrictedToContacts() && (lobWide || becomingLobWide
                || !fresh.allowedContacts().containsAll(contacts) || !allowsPendingMoves(fresh))) {
            close(CloseCodes.FORBIDDEN, "the refreshed token no longer allows the current subscriptions");
            return;
        }
        principal = fresh;
        scheduleExpiry(fresh.expiresAt()); // replaces the warning and the close scheduled for the old token
    }

    private boolean allowsPendingMoves(Principal fresh) {
        for (Set<String> waiting : pendingMoves.values()) {
            if (!fresh.allowedContacts().containsAll(waiting)) {
                return false;
            }
        }
        return true;
    }

    private void scheduleExpiry(Instant expiresAt) {
        Principal scheduledFor = principal;
        expiry.schedule(channel.getIoThread(), context.tokenLifecycle(), expiresAt, (exp, refreshWithinMs) -> {
            if (principal == scheduledFor) {
                sendControl(ServerFrames.tokenExpiring(exp, refreshWithinMs));
            }
        }, () -> {
            if (principal == scheduledFor) {
                close(CloseCodes.UNAUTHORIZED, "token expired");
            }
        });
    }

    private void onSubscribe(ClientFrame.Subscribe subscribe) {
        Principal who = principal;
        if (subscribe.ack() && acks == null) {
            acks = new AckWindow();
        }
        if (resuming) {
            sendControl(ServerFrames.error("resume_in_progress", "wait for subscribed before subscribing again"));
            return;
        }
        ResumePlan resume = ResumePlan.parse(subscribe, context.partitions().epoch());
        if (resume.badSince() != null) {
            sendControl(ServerFrames.error("bad_frame", resume.badSince()));
        }
        List<String> requested = subscribe.contacts();
        if (requested == null && !who.restrictedToContacts()) {
            // served for this node's partitions; the client finds the others' owners in GET /v1/routes
            Set<Integer> partitions = new TreeSet<>(context.partitions().ownedPartitions());
            if (!resume.requested()) {
                // subscribed goes out first, so no event can overtake it
                sendControl(ServerFrames.subscribed(null, partitions, null, null));
                lobWide = true;
                context.registry().subscribeLob(who.lobId(), this);
            } else {
                becomingLobWide = true;
                startResume(resume, null, partitions);
            }
            return;
        }
        // a token limited to some contacts turns "everything of my LOB" into "all my contacts"
        if (requested != null) {
            for (String contactId : requested) {
                if (!context.bounds().idFits(contactId)) {
                    // a bad member, as clients already handle it: that subscribe is not answered with subscribed
                    context.metrics().rejectedFrame("bad_frame");
                    sendControl(ServerFrames.error("bad_frame", "a contact id may be at most "
                            + context.bounds().maxContactIdBytes() + " bytes (UTF-8); nothing of this subscribe was"
                            + " subscribed"));
                    return;
                }
            }
        }
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
        if (!context.bounds().subscriptionFits(after)) {
            sendControl(ServerFrames.error("too_many_subscriptions", "a session's contact ids may add up to at most "
                    + context.bounds().maxSubscriptionBytes() + " bytes (UTF-8); nothing of this subscribe was"
                    + " subscribed"));
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
        sendMoves(elsewhere);
        addContacts(servedHere);
        if (!resume.requested()) {
            sendControl(ServerFrames.subscribed(new ArrayList<>(servedHere), partitions, null, null));
            context.registry().subscribeContacts(who.lobId(), servedHere, this);
        } else {
            startResume(resume, servedHere, partitions);
        }
    }

    /**
     * Replays what the client missed, then joins it to the live stream. {@code subscribed} (with
     * {@code recovered}) is sent when the replay is over, before the first live event after the seam.
     *
     * @param resumedContacts the contacts subscribed here, or null for the whole LOB
     */
    private void startResume(ResumePlan plan, Set<String> resumedContacts, Set<Integer> partitions) {
        resuming = true;
        Principal who = principal;
        Map<Integer, Long> from = new java.util.HashMap<>(plan.fromOffsets());
        from.keySet().retainAll(partitions);
        // a served partition with neither a cursor nor a since time has no known position: never claim it
        Set<Integer> noPosition = new TreeSet<>(partitions);
        if (plan.since() == null) {
            noPosition.removeAll(from.keySet());
        } else {
            noPosition.clear();
        }
        Set<Integer> servedPartitions = ConcurrentHashMap.newKeySet();
        servedPartitions.addAll(partitions);
        Set<String> servedContacts = ConcurrentHashMap.newKeySet();
        if (resumedContacts != null) {
            servedContacts.addAll(resumedContacts);
        }
        Map<Integer, Set<String>> movedAtSeam = new TreeMap<>();
        resumeInFlight = context.replayer().resume(new ResumeRequest(who.lobId(), partitions, from, plan.since()),
                new ResumeTarget() {
            @Override
            public boolean wants(RelayEvent event) {
                // the token now, too: a refresh may have narrowed it since the resume began
                Principal now = principal;
                return who.lobId().equals(event.lobId()) && who.mayReceive(event.contactId())
                        && now != null && now.mayReceive(event.contactId())
                        && (resumedContacts == null || resumedContacts.contains(event.contactId()));
            }

            @Override
            public boolean tryDeliverReplayedNow(RelayEvent event) {
                if (closing.get()) {
                    return true; // nothing more to send, nothing to wait for
                }
                if (!outbound.hasRoom()) {
                    return false;
                }
                if (send(event, false)) {
                    context.metrics().replayed();
                }
                return true;
            }

            @Override
            public void deliverReplayed(RelayEvent event) {
                awaitRoomToReplay();
                // not filtered by the session's last offset: a session that already had live events of
                // this partition for other contacts must still get the missed ones of these contacts
                if (send(event, false)) {
                    context.metrics().replayed();
                }
            }

            @Override
            public boolean hasRoom() {
                return !closing.get() && outbound.hasRoom();
            }

            @Override
            public boolean awaitRoom(long maxMillis) {
                return outbound.awaitRoom(TimeUnit.MILLISECONDS.toNanos(maxMillis));
            }

            @Override
            public void whenRoom(Runnable task) {
                outbound.whenRoom(task);
            }

            @Override
            public void goLive(Set<Integer> stillReplaying) {
                catchUp.hold(stillReplaying); // before joining, so no live event slips past
                // a rebalance may have taken partitions between subscribe and this seam: serve (and
                // report) only what this node owns now; the rest is moved, never claimed as recovered
                Set<Integer> owned = context.partitions().ownedPartitions();
                servedPartitions.retainAll(owned);
                if (resumedContacts == null) {
                    Principal now = principal;
                    if (now == null || now.restrictedToContacts()) {
                        // a refresh narrowed the token before the seam (refused on the I/O thread; this is the
                        // last line): never subscribe such a session to its whole LOB
                        close(CloseCodes.FORBIDDEN, "the token no longer allows a LOB-wide subscription");
                        return;
                    }
                    lobWide = true;
                    context.registry().subscribeLob(who.lobId(), WsSession.this);
                    return;
                }
                Map<Integer, Set<String>> lost = new TreeMap<>();
                for (String contactId : List.copyOf(servedContacts)) {
                    int partition = context.partitions().partitionOf(contactId);
                    if (!owned.contains(partition)) {
                        servedContacts.remove(contactId);
                        removeContacts(List.of(contactId));
                        lost.computeIfAbsent(partition, k -> new LinkedHashSet<>()).add(contactId);
                    }
                }
                context.registry().subscribeContacts(who.lobId(), servedContacts, WsSession.this);
                movedAtSeam.putAll(lost);
            }

            @Override
            public void finish(boolean recovered, String reason) {
                noPosition.retainAll(servedPartitions);
                boolean complete = recovered && plan.problem() == null && noPosition.isEmpty();
                resuming = false; // before subscribed goes out: the client may subscribe again at once
                // the partitions that may have a gap: those without a position, or all when the replay failed
                Set<Integer> unrecovered = recovered && plan.problem() == null ? noPosition
                        : new TreeSet<>(servedPartitions);
                String why = plan.problem() != null ? plan.problem() : !recovered ? reason : "no_cursor";
                sendControl(ServerFrames.subscribed(resumedContacts == null ? null : new ArrayList<>(servedContacts),
                        new TreeSet<>(servedPartitions), complete, complete ? null : why, unrecovered));
                if (!movedAtSeam.isEmpty()) {
                    sendMoves(movedAtSeam);
                }
                // the held live events, at the pace the client reads
                catchUp.release(event -> {
                    awaitRoomToReplay();
                    send(event);
                    return true;
                }, () -> { });
            }
        });
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
            removeContacts(leaving);
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
                waiting.stream().filter(who::mayReceive).forEach(back::add);
            }
        }
        if (!back.isEmpty()) {
            addContacts(back);
            context.registry().subscribeContacts(who.lobId(), back, this);
        }
    }

    /**
     * The topic grew from {@code previous} partitions: contacts the producers now put on a partition this
     * node does not own are also sent to that partition's owner ({@code moved}), while they stay subscribed
     * here, so what producers with older metadata still write to the old partition keeps arriving too.
     */
    void partitionCountChanged(int previous) {
        if (principal == null || lobWide) {
            return; // a LOB-wide session is served every partition this node owns, old and new
        }
        Set<Integer> owned = context.partitions().ownedPartitions();
        Map<Integer, Set<String>> alsoElsewhere = new TreeMap<>();
        for (String contactId : contacts) {
            int now = context.partitions().partitionOf(contactId);
            if (now != context.partitions().partitionOf(contactId, previous) && !owned.contains(now)) {
                alsoElsewhere.computeIfAbsent(now, p -> new LinkedHashSet<>()).add(contactId);
            }
        }
        Map<Integer, Set<String>> known = new TreeMap<>();
        alsoElsewhere.forEach((partition, moving) -> {
            if (context.partitions().ownerOf(partition).isPresent()) {
                known.put(partition, moving);
            } else {
                // the new partition has no owner yet: told by routesChanged once it has
                pendingMoves.computeIfAbsent(partition, p -> new LinkedHashSet<>()).addAll(moving);
            }
        });
        if (!known.isEmpty()) {
            sendMoves(known);
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
        removeContacts(unwanted);
        context.registry().unsubscribeContacts(principal.lobId(), unwanted, this);
        sendControl(ServerFrames.unsubscribed(unwanted));
    }

    /** A live event from the consumer thread. */
    @Override
    public void deliver(RelayEvent event) {
        Principal who = principal;
        if (who == null || closing.get()) {
            return;
        }
        if (!who.lobId().equals(event.lobId()) || !who.mayReceive(event.contactId())) {
            // the registry should make this impossible; never let it through if it happens
            refusedLog.error("Refused to deliver {} to session {} of lob {}", event, id, who.lobId());
            return;
        }
        CatchUp.Offer offer = catchUp.offer(event);
        if (offer == CatchUp.Offer.TOO_MANY) {
            close(CloseCodes.TOO_SLOW, "too many live events waiting while catching up; resume again later");
        }
        if (offer != CatchUp.Offer.PASS) {
            return;
        }
        send(event);
    }

    /**
     * Writes an event unless this session already has it: offsets only go forward per partition, which
     * makes the replay/live seam and redelivery after a rebalance exact.
     */
    private boolean send(RelayEvent event) {
        return send(event, true);
    }

    private boolean send(RelayEvent event, boolean onlyForward) {
        if (closing.get()) {
            return false;
        }
        ForwardOffsets offsets = sentOffsets();
        if (!onlyForward) {
            offsets.passed(event.partition(), event.offset());
        } else if (!offsets.advance(event.partition(), event.offset())) {
            context.metrics().duplicateSkipped();
            return false;
        }
        byte[] frame = event.encoded(ServerFrames.EVENT_ENCODER);
        if (!outbound.add(frame.length)) {
            context.metrics().dropped("slow_session");
            context.outcomes().dropped(event);
            close(CloseCodes.TOO_SLOW, "session too slow: more than " + context.settings().maxOutboundBytes()
                    + " bytes waiting; reconnect and resume from your last cursor");
            return false;
        }
        context.metrics().delivered();
        AckWindow window = acks;
        if (window != null) {
            window.sent(event);
        }
        WebSockets.sendText(ByteBuffer.wrap(frame), channel, new Written(frame.length, event));
        return true;
    }

    /** Replay waits while half the outbound limit is still unwritten: catching up must not cost a 4429. */
    private void awaitRoomToReplay() {
        if (!outbound.awaitRoom(ROOM_TIMEOUT_NANOS) && !closing.get()) {
            // a client that reads nothing for this long must not hold a replay thread
            close(CloseCodes.TOO_SLOW, "session too slow while catching up; resume from your last cursor");
        }
    }

    private ForwardOffsets sentOffsets() {
        ForwardOffsets offsets = sent;
        if (offsets == null) {
            synchronized (this) {
                offsets = sent;
                if (offsets == null) {
                    offsets = new ForwardOffsets(context.partitions().partitionCount());
                    sent = offsets;
                }
            }
        }
        return offsets;
    }

    private void sendControl(String json) {
        if (closing.get()) {
            return;
        }
        byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        outbound.add(bytes.length); // control frames are small and few: counted, never refused
        WebSockets.sendText(ByteBuffer.wrap(bytes), channel, new Written(bytes.length, null));
    }

    /** Called by the server's heartbeat sweep, once per interval; the work runs on this session's I/O thread. */
    public void heartbeatOnItsThread() {
        if (principal != null && !closing.get()) {
            onIoThread(this::heartbeat);
        }
    }

    private void heartbeat() {
        if (closing.get()) {
            return;
        }
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
        context.metrics().closed(code);
        Principal who = principal;
        if (code == CloseCodes.TOO_SLOW && who != null) {
            context.recentCloses().remember(id, who.lobId(), code, reason);
        }
        WebSockets.sendClose(code, truncateReason(reason), channel, null);
        try {
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel),
                    context.settings().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            IoUtils.safeClose(channel); // the server is stopping its I/O threads: close now
        }
    }

    /** Called once the connection is gone, however it ended. */
    void onClosed() {
        closing.set(true);
        resumeInFlight.cancel(); // queued replays are dropped, a running one stops at its next batch
        outbound.close();
        cancel(authTimer);
        expiry.cancel();
        Principal who = principal;
        if (who != null) {
            context.lobSessions().release(who.lobId());
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
        try {
            channel.getIoThread().execute(task);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            IoUtils.safeClose(channel); // the I/O thread is gone: nothing more can happen on this session
        }
    }

    public void notifyRevoked(Set<Integer> revoked) {
        onIoThread(() -> partitionsRevoked(revoked));
    }

    public void notifyAssigned(Set<Integer> assigned) {
        onIoThread(() -> partitionsAssigned(assigned));
    }

    /** Tells the client whether this node reaches Kafka; once authenticated, nothing before. */
    public void notifyKafkaStatus(boolean reachable) {
        onIoThread(() -> {
            if (principal != null) {
                sendControl(ServerFrames.status(reachable));
            }
        });
    }

    public void notifyPartitionCountChanged(int previous) {
        onIoThread(() -> partitionCountChanged(previous));
    }

    public void notifyRoutesChanged() {
        onIoThread(this::routesChanged);
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
        private final long recordTimestampMs;
        /** The event written, or null for control frames. */
        private final RelayEvent event;

        Written(int size, RelayEvent event) {
            this.size = size;
            this.event = event;
            this.recordTimestampMs = event == null ? -1 : event.timestampMs();
        }

        @Override
        public void complete(WebSocketChannel ch, Void ignored) {
            outbound.released(size);
            if (recordTimestampMs >= 0) {
                context.metrics().written(recordTimestampMs);
            }
        }

        @Override
        public void onError(WebSocketChannel ch, Void ignored, Throwable throwable) {
            outbound.released(size);
            if (event != null) {
                context.metrics().dropped("write_failed");
                context.outcomes().dropped(event);
            }
            log.debug("Write to session {} failed: {}", id, throwable.toString());
            IoUtils.safeClose(ch);
        }
    }

    private void addContacts(java.util.Collection<String> more) {
        if (!more.isEmpty()) {
            updateContacts(current -> {
                Set<String> next = new LinkedHashSet<>(current);
                next.addAll(more);
                return next;
            });
        }
    }

    private void removeContacts(java.util.Collection<String> less) {
        updateContacts(current -> {
            Set<String> next = new LinkedHashSet<>(current);
            next.removeAll(less);
            return next;
        });
    }

    /** Copy on write; the I/O thread (subscribe) and the consumer thread (rebalance) may race. */
    @SuppressWarnings("unchecked")
    private void updateContacts(java.util.function.UnaryOperator<Set<String>> change) {
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
