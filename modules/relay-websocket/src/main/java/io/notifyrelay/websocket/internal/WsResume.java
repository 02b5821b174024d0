package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.replay.Replayer;
import io.notifyrelay.core.replay.ResumeRequest;
import io.notifyrelay.core.replay.ResumeTarget;
import io.notifyrelay.websocket.CloseCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One resume of a /v1/ws session, as the replayer drives it: replays what the client missed, joins the session to
 * the live stream at the seam (holding live events of the partitions still replaying in the session's
 * {@link io.notifyrelay.websocket.session.CatchUp}), moves contacts whose partition left this node meanwhile, then
 * sends {@code subscribed} (with {@code recovered}) and releases the held events. Lives only while resuming.
 */
final class WsResume implements ResumeTarget {

    private static final long ROOM_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final WsSession session;
    private final SessionContext context;
    private final ResumePlan plan;
    /** Who asked: replayed events are checked against this token and the current one. */
    private final Principal who;
    /** The contacts subscribed here, or null for the whole LOB. */
    private final Set<String> resumedContacts;
    /** A served partition with neither a cursor nor a since time has no known position: never claim it. */
    private final Set<Integer> noPosition;
    private final Set<Integer> servedPartitions = ConcurrentHashMap.newKeySet();
    private final Set<String> servedContacts = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Set<String>> movedAtSeam = new TreeMap<>();

    private WsResume(WsSession session, ResumePlan plan, Principal who, Set<String> resumedContacts,
                     Set<Integer> partitions) {
        this.session = session;
        this.context = session.context();
        this.plan = plan;
        this.who = who;
        this.resumedContacts = resumedContacts;
        this.noPosition = new TreeSet<>(partitions);
        if (plan.since() == null) {
            noPosition.removeAll(plan.fromOffsets().keySet());
        } else {
            noPosition.clear();
        }
        servedPartitions.addAll(partitions);
        if (resumedContacts != null) {
            servedContacts.addAll(resumedContacts);
        }
    }

    /**
     * Starts replaying for {@code partitions}; {@code subscribed} goes out when the replay is over, before the
     * first live event after the seam.
     *
     * @param resumedContacts the contacts subscribed here, or null for the whole LOB
     */
    static void start(WsSession session, ResumePlan plan, Set<String> resumedContacts, Set<Integer> partitions) {
        session.resumeStarted();
        Principal who = session.principal();
        Map<Integer, Long> from = new HashMap<>(plan.fromOffsets());
        from.keySet().retainAll(partitions);
        WsResume target = new WsResume(session, plan, who, resumedContacts, partitions);
        Replayer.Resume resume;
        try {
            resume = session.context().replayer().resume(
                    new ResumeRequest(who.lobId(), partitions, from, plan.since()), target);
        } catch (RuntimeException cannotYet) {
            // e.g. a subscribe in the moment between the listener opening and the node's start-up finishing: a
            // dropped subscribe left the client waiting for `subscribed`; closed, it reconnects and resumes
            // from the same cursors, losing nothing
            session.resumeFinished();
            session.close(CloseCodes.TRY_AGAIN_LATER, "cannot resume yet (" + cannotYet.getMessage()
                    + "); reconnect and resume from your cursors");
            return;
        }
        session.resumeInFlight(resume);
    }

    @Override
    public boolean wants(RelayEvent event) {
        // the token now, too: a refresh may have narrowed it since the resume began
        Principal now = session.principal();
        return who.lobId().equals(event.lobId()) && who.mayReceive(event.contactId())
                && now != null && now.mayReceive(event.contactId())
                && (resumedContacts == null || resumedContacts.contains(event.contactId()));
    }

    @Override
    public boolean tryDeliverReplayedNow(RelayEvent event) {
        if (session.isClosing()) {
            return true; // nothing more to send, nothing to wait for
        }
        if (!session.outbound().hasRoom()) {
            return false;
        }
        sendReplayed(event);
        return true;
    }

    @Override
    public void deliverReplayed(RelayEvent event) {
        awaitRoomToReplay();
        sendReplayed(event);
    }

    private void sendReplayed(RelayEvent event) {
        // not filtered by the session's last offset: a session that already had live events of
        // this partition for other contacts must still get the missed ones of these contacts
        if (session.send(event, false)) {
            context.metrics().replayed();
        }
    }

    @Override
    public boolean hasRoom() {
        return !session.isClosing() && session.outbound().hasRoom();
    }

    @Override
    public boolean awaitRoom(long maxMillis) {
        return session.outbound().awaitRoom(TimeUnit.MILLISECONDS.toNanos(maxMillis));
    }

    @Override
    public void whenRoom(Runnable task) {
        session.outbound().whenRoom(task);
    }

    @Override
    public void goLive(Set<Integer> stillReplaying) {
        session.catchUp().hold(stillReplaying); // before joining, so no live event slips past
        // a rebalance may have taken partitions between subscribe and this seam: serve (and
        // report) only what this node owns now; the rest is moved, never claimed as recovered
        Set<Integer> owned = context.partitions().ownedPartitions();
        servedPartitions.retainAll(owned);
        if (resumedContacts == null) {
            Principal now = session.principal();
            if (now == null || now.restrictedToContacts()) {
                // a refresh narrowed the token before the seam (refused on the I/O thread; this is the
                // last line): never subscribe such a session to its whole LOB
                session.close(CloseCodes.FORBIDDEN, "the token no longer allows a LOB-wide subscription");
                return;
            }
            session.subscriptions().joinLob(who.lobId());
            return;
        }
        Map<Integer, Set<String>> lost = new TreeMap<>();
        for (String contactId : List.copyOf(servedContacts)) {
            int partition = context.partitions().partitionOf(contactId);
            if (!owned.contains(partition)) {
                servedContacts.remove(contactId);
                lost.computeIfAbsent(partition, k -> new LinkedHashSet<>()).add(contactId);
            }
        }
        session.subscriptions().joinContacts(who.lobId(), servedContacts, lost);
        movedAtSeam.putAll(lost);
    }

    @Override
    public void finish(boolean recovered, String reason) {
        noPosition.retainAll(servedPartitions);
        boolean complete = recovered && plan.problem() == null && noPosition.isEmpty();
        session.resumeFinished(); // before subscribed goes out: the client may subscribe again at once
        // the partitions that may have a gap: those without a position, or all when the replay failed
        Set<Integer> unrecovered = recovered && plan.problem() == null ? noPosition : new TreeSet<>(servedPartitions);
        String why = plan.problem() != null ? plan.problem() : !recovered ? reason : "no_cursor";
        session.sendControl(ServerFrames.subscribed(resumedContacts == null ? null : new ArrayList<>(servedContacts),
                new TreeSet<>(servedPartitions), complete, complete ? null : why, unrecovered));
        if (!movedAtSeam.isEmpty()) {
            session.subscriptions().sendMoves(movedAtSeam);
        }
        // the held live events, at the pace the client reads
        session.catchUp().release(event -> {
            awaitRoomToReplay();
            session.send(event, true);
            return true;
        }, () -> { });
    }

    /** Replay waits while half the outbound limit is still unwritten: catching up must not cost a 4429. */
    private void awaitRoomToReplay() {
        if (!session.outbound().awaitRoom(ROOM_TIMEOUT_NANOS) && !session.isClosing()) {
            // a client that reads nothing for this long must not hold a replay thread
            session.close(CloseCodes.TOO_SLOW, "session too slow while catching up; resume from your last cursor");
        }
    }
}
