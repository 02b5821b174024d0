package io.notifyrelay.websocket;

/** WebSocket close codes the relay uses; the 4xxx ones are ours and mirror HTTP status codes. */
public final class CloseCodes {
    /** The node is shutting down; reconnect (to another node). */
    public static final int GOING_AWAY = 1001;
    /** More client frames per second than allowed. */
    public static final int POLICY_VIOLATION = 1008;
    /** A frame larger than the configured limit. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** Service restart: reconnect, the same or another node will serve the session. */
    public static final int SERVICE_RESTART = 1012;
    /** The LOB already has its maximum of sessions on this node; retry later or on another node. */
    public static final int TRY_AGAIN_LATER = 1013;
    /** Bad, missing or expired token. */
    public static final int UNAUTHORIZED = 4401;
    /** Subscription not allowed by the token (contact outside the {@code contacts} claim). */
    public static final int FORBIDDEN = 4403;
    /** No {@code auth} frame within the configured time. */
    public static final int AUTH_TIMEOUT = 4408;
    /** This node cannot reach Kafka: reconnect to another node (ask {@code GET /v1/routes} of another node). */
    public static final int KAFKA_UNREACHABLE = 4503;
    /** The session read too slowly: its outbound buffer passed the limit. Resume from the last cursor. */
    public static final int TOO_SLOW = 4429;

    private CloseCodes() {
    }
}
