package io.notifyrelay.websocket.socketio;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.log.RateLimitedLog;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import io.notifyrelay.core.routing.Subscriber;
import io.notifyrelay.websocket.session.CatchUp;
import io.notifyrelay.websocket.session.DeliveryPositions;
import io.notifyrelay.websocket.session.ForwardOffsets;
import io.notifyrelay.websocket.session.RecoveryOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events one registered socket.io session receives, each with the offset string the client sends back to
 * recover: a registration (or a recovery) starts at the resume seam, replays what the offset says was missed,
 * holds live events meanwhile and releases them after, then follows the live stream.
 *
 * <p>Offsets: {@link #next} is the first offset per partition the client has not been sent, moved forward by
 * every event sent (an event at or before it is a duplicate and is skipped: redelivery, or a node behind the one
 * the client came from). While catching up, events carry {@code next} encoded for this session; once caught up,
 * a live event carries the node's delivery positions ({@link DeliveryPositions#sharedOffset}), shared by every
 * caught-up recipient, as long as those are at or past {@code next} on every partition.
 */
final class SocketIoStream implements ResumeTarget, Subscriber {

    private static final Logger log = LoggerFactory.getLogger(SocketIoStream.class);
    private static final RateLimitedLog refusedLog = new RateLimitedLog(log, 5);
    private static final long ROOM_TIMEOUT_NANOS = 30_000_000_000L;

    /** What the stream needs of its session. */
    interface Session {
        /** The current token's principal (never null once the stream exists). */
        Principal principal();

        /** Queues an Engine.IO packet; counted against the session's outbound bound. */
        void sendPacket(byte[] packet);

        /**
         * Queues the packets of {@code event}, the {@code notification} one and the typed one, either null when the
         * session does not use that name: counted against the bound together, so the event is either queued whole
         * or reported dropped. Its delivery latency is measured from the event's record timestamp; a session may
         * add an acknowledgement id to the {@code notification} packet.
         */
        default void sendEvent(byte[] notification, byte[] typed, RelayEvent event) {
            if (notification != null) {
                sendPacket(notification);
            }
            if (typed != null) {
                sendPacket(typed);
            }
        }

        SocketIoContext.EventNames eventNames();

        boolean hasRoom();

        /** Waits up to {@code nanos} for room; whether there is room (false also when the session closed). */
        boolean awaitRoom(long nanos);

        void whenRoom(Runnable task);

        /** The replay is over (before held events are released): answer the CONNECT or the REGISTER_SOCKET. */
        void caughtUp(boolean recovered, String reason, String offset);

        /** Closes the session with the code a /v1/ws session would get. */
        void close(int code, String reason);
    }

    private final Session session;
    private final SocketIoContext context;
    private final String lobId;
    /** The token's contacts, or null for the whole LOB. */
    private final Set<String> contacts;
    private final Set<Integer> served;
    private final Map<Integer, Long> from;
    /** A recovery (a reconnect with pid and offset) rather than a first registration. */
    private final boolean recovering;

    /** The first offset per partition the client has not been sent. */
    private final ForwardOffsets next = new ForwardOffsets(0);
    // guarded by "this"
    /** The node's positions at the seam (the first offsets this session gets live). */
    private long[] seam = new long[0];
    /** Set once the held events are released: live events then carry the node's shared offset. */
    private volatile boolean caughtUp;
    private long dominatedGeneration = -1;

    private final CatchUp catchUp;
    private volatile boolean subscribed;
    private volatile boolean ended;
    private volatile Replayer.Resume resume = Replayer.Resume.DONE;

    SocketIoStream(Session session, SocketIoContext context, Map<Integer, Long> from, boolean recovering) {
        this.session = session;
        this.context = context;
        Principal who = session.principal();
        this.lobId = who.lobId();
        this.contacts = who.restrictedToContacts() ? Set.copyOf(who.allowedContacts()) : null;
        Set<Integer> owned = context.partitions().ownedPartitions();
        Set<Integer> partitions = new TreeSet<>();
        if (contacts == null) {
            partitions.addAll(owned);
        } else {
            for (String contactId : contacts) {
                int partition = context.partitions().partitionOf(contactId);
                if (owned.contains(partition)) {
                    partitions.add(partition);
                }
            }
        }
        this.served = Set.copyOf(partitions);
        Map<Integer, Long> wanted = new java.util.HashMap<>(from);
        wanted.keySet().retainAll(served);
        this.from = Map.copyOf(wanted);
        this.recovering = recovering;
        this.catchUp = new CatchUp(context.settings().maxOutboundBytes());
    }

    boolean recovering() {
        return recovering;
    }

    /** Starts at the seam: registered on the consumer thread, what the offset says was missed replayed first. */
    void start() {
        resume = context.replayer().resume(new ResumeRequest(lobId, served, from, null), this);
    }

    /** The session closed: the replay is cancelled and the subscription removed. */
    void end() {
        ended = true;
        resume.cancel();
        if (subscribed) {
            if (contacts == null) {
                context.registry().unsubscribeLob(lobId, this);
            } else {
                context.registry().unsubscribeContacts(lobId, contacts, this);
            }
        }
    }

    // ------------------------------------------------------------------ the resume, as the replayer drives it

    @Override
    public boolean wants(RelayEvent event) {
        Principal now = session.principal();
        return lobId.equals(event.lobId()) && now != null && now.mayReceive(event.contactId())
                && (contacts == null || contacts.contains(event.contactId()));
    }

    @Override
    public void goLive(Set<Integer> stillReplaying) {
        if (ended) {
            return;
        }
        DeliveryPositions positions = context.positions(); // this is the consumer thread: the exact seam
        catchUp.hold(stillReplaying); // before joining, so no live event slips past
        synchronized (this) {
            int size = Math.max(context.partitions().partitionCount(), served.stream().mapToInt(p -> p + 1).max().orElse(0));
            long[] start = new long[size];
            Arrays.fill(start, -1L);
            seam = positions.snapshot();
            for (int partition : served) {
                start[partition] = from.containsKey(partition) ? from.get(partition) : positions.next(partition);
            }
            next.reset(start);
        }
        subscribed = true;
        if (contacts == null) {
            context.registry().subscribeLob(lobId, this);
        } else {
            context.registry().subscribeContacts(lobId, contacts, this);
        }
    }

    @Override
    public boolean tryDeliverReplayedNow(RelayEvent event) {
        if (ended) {
            return true;
        }
        if (!session.hasRoom()) {
            return false;
        }
        sendOwn(event, true);
        return true;
    }

    @Override
    public void deliverReplayed(RelayEvent event) {
        if (!session.awaitRoom(ROOM_TIMEOUT_NANOS)) {
            if (!ended) {
                session.close(io.notifyrelay.websocket.CloseCodes.TOO_SLOW, "session too slow while catching up");
            }
            return;
        }
        sendOwn(event, true);
    }

    @Override
    public boolean hasRoom() {
        return !ended && session.hasRoom();
    }

    @Override
    public boolean awaitRoom(long maxMillis) {
        return session.awaitRoom(maxMillis * 1_000_000L);
    }

    @Override
    public void whenRoom(Runnable task) {
        session.whenRoom(task);
    }

    @Override
    public void finish(boolean recovered, String reason) {
        if (ended) {
            return;
        }
        Set<Integer> noPosition = new TreeSet<>(served);
        noPosition.removeAll(from.keySet());
        boolean complete = recovering && recovered && noPosition.isEmpty();
        String why = !recovered ? reason : !noPosition.isEmpty() ? "no_cursor" : null;
        String offset;
        synchronized (this) {
            if ("cursor_out_of_range".equals(reason)) {
                // an offset past a partition's end was never one of its offsets: going on from it would skip
                // that partition's events for good, so go on from the seam (the client was told: not recovered)
                next.atMost(seam);
            }
            offset = next.encode(context.positions().epoch());
        }
        session.caughtUp(complete, recovering ? why : null, offset);
        // the held live events, at the pace the client reads
        catchUp.release(event -> {
            if (ended || !session.awaitRoom(ROOM_TIMEOUT_NANOS)) {
                if (!ended) {
                    session.close(io.notifyrelay.websocket.CloseCodes.TOO_SLOW, "session too slow while catching up");
                }
                return false;
            }
            sendOwn(event, false);
            return true;
        }, () -> caughtUp = true);
    }

    // ------------------------------------------------------------------ live events

    /** A live event from the consumer thread. */
    @Override
    public void deliver(RelayEvent event) {
        Principal who = session.principal();
        if (ended || who == null) {
            return;
        }
        if (!lobId.equals(event.lobId()) || !who.mayReceive(event.contactId())) {
            // the registry should make this impossible; never let it through if it happens
            refusedLog.error("Refused to deliver {} to a socket.io session of lob {}", event, lobId);
            return;
        }
        CatchUp.Offer offer = catchUp.offer(event);
        if (offer == CatchUp.Offer.TOO_MANY) {
            session.close(io.notifyrelay.websocket.CloseCodes.TOO_SLOW,
                    "too many live events waiting while catching up; reconnect later");
        }
        if (offer != CatchUp.Offer.PASS) {
            return;
        }
        synchronized (this) {
            if (forward(event)) {
                boolean live = caughtUp;
                String offset = live ? liveOffset(event) : ownOffset();
                send(live && offset == context.positions().sharedOffset(event)
                        ? context.cache().encode(event, offset) : SocketIoContext.Encoded.of(event, offset));
            }
        }
    }

    /** A replayed or released event, with this session's own offset. */
    private synchronized void sendOwn(RelayEvent event, boolean replayed) {
        if (!ended && forward(event)) {
            send(SocketIoContext.Encoded.of(event, ownOffset()));
            if (replayed) {
                context.metrics().replayed();
            }
        }
    }

    private void send(SocketIoContext.Encoded encoded) {
        context.metrics().delivered();
        SocketIoContext.EventNames names = session.eventNames();
        session.sendEvent(names.generic() ? encoded.generic() : null, names.typed() ? encoded.typed() : null,
                encoded.event());
    }

    /** Moves {@link #next} past the event; false (skip it) when the client has it already. */
    private boolean forward(RelayEvent event) {
        if (!next.advance(event.partition(), event.offset())) {
            context.metrics().duplicateSkipped();
            return false;
        }
        return true;
    }

    private String ownOffset() {
        return next.encode(context.positions().epoch());
    }

    /** Consumer thread, caught up: the node's shared offset when it is at or past ours everywhere, else the merge. */
    private String liveOffset(RelayEvent event) {
        DeliveryPositions positions = context.positions();
        if (dominatedGeneration != positions.generation()) {
            long[] node = positions.snapshot();
            if (!next.coveredBy(node)) {
                return RecoveryOffset.encode(positions.epoch(), next.furthestWith(node));
            }
            dominatedGeneration = positions.generation();
        }
        return positions.sharedOffset(event);
    }
}
