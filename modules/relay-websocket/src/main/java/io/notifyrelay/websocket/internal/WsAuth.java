package io.notifyrelay.websocket.internal;

import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.websocket.CloseCodes;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.xnio.XnioExecutor;

/**
 * A /v1/ws session's token: the {@code auth} frame within the auth timeout, the per-LOB admission, refreshes
 * (same LOB, never wider than what the session serves) and the token's deadlines ({@link TokenExpiry}).
 * Changes happen on the session's I/O thread.
 */
final class WsAuth {

    private final WsSession session;
    private volatile Principal principal;
    private XnioExecutor.Key authTimer;
    /** The token_expiring warning and the 4401 at exp + grace, re-armed by every refresh. */
    private final TokenExpiry expiry = new TokenExpiry();

    WsAuth(WsSession session) {
        this.session = session;
    }

    /** Through the session, not a field of its own: one per session, and idle sessions are most of a node. */
    private SessionContext context() {
        return session.context();
    }

    /** Null until the first valid {@code auth} frame. */
    Principal principal() {
        return principal;
    }

    /** The connection opened: it has the auth timeout to send {@code auth}. */
    void start(XnioExecutor ioThread) {
        Duration authTimeout = context().settings().authTimeout();
        authTimer = ioThread.executeAfter(() -> {
            if (principal == null) {
                session.close(CloseCodes.AUTH_TIMEOUT, "no auth frame within " + authTimeout.toMillis() + " ms");
            }
        }, authTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void onAuth(String token, String previousSession) {
        Principal verified;
        try {
            verified = context().tokenVerifier().verify(token);
        } catch (AuthenticationException e) {
            session.close(CloseCodes.UNAUTHORIZED, e.getMessage());
            return;
        }
        Principal current = principal;
        if (current != null) {
            refresh(current, verified);
            return;
        }
        if (!context().lobSessions().tryAdmit(verified.lobId())) {
            session.close(CloseCodes.TRY_AGAIN_LATER, "lob has its maximum of " + context().limits().maxSessionsPerLob()
                    + " sessions on this node");
            return;
        }
        principal = verified;
        cancelAuthTimer();
        scheduleExpiry(verified.expiresAt());
        session.heard();
        // the close frame of a 4429 may never have reached the client: tell it now
        session.sendControl(ServerFrames.welcome(session.id(), context().settings().nodeId(),
                context().settings().heartbeatInterval().toMillis(),
                context().recentCloses().take(previousSession, verified.lobId()).orElse(null)));
    }

    /** A fresh token for the same LOB extends the session; it may not widen what the session sees. */
    private void refresh(Principal current, Principal fresh) {
        if (!fresh.lobId().equals(current.lobId())) {
            session.close(CloseCodes.UNAUTHORIZED, "a refreshed token must be for the same lob");
            return;
        }
        if (!session.subscriptions().allowedBy(fresh)) {
            session.close(CloseCodes.FORBIDDEN, "the refreshed token no longer allows the current subscriptions");
            return;
        }
        principal = fresh;
        scheduleExpiry(fresh.expiresAt()); // replaces the warning and the close scheduled for the old token
    }

    private void scheduleExpiry(Instant expiresAt) {
        Principal scheduledFor = principal;
        expiry.schedule(session.ioThread(), context().tokenLifecycle(), expiresAt, (exp, refreshWithinMs) -> {
            if (principal == scheduledFor) {
                session.sendControl(ServerFrames.tokenExpiring(exp, refreshWithinMs));
            }
        }, () -> {
            if (principal == scheduledFor) {
                session.close(CloseCodes.UNAUTHORIZED, "token expired");
            }
        });
    }

    /** The session closed: no timer of its token fires any more. */
    void closed() {
        cancelAuthTimer();
        expiry.cancel();
    }

    private void cancelAuthTimer() {
        XnioExecutor.Key timer = authTimer;
        if (timer != null) {
            timer.remove();
        }
        authTimer = null; // a removed timer key still holds its task; an idle session should not
    }
}
