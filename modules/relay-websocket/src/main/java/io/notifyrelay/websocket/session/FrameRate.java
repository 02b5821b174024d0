package io.notifyrelay.websocket.session;

/**
 * A session's client frames (or Engine.IO packets) per second, whatever the transport: counted per whole second
 * of a monotonic ticker, so a burst at the end of one second and the start of the next is two windows, as the
 * limit settings document. Not thread-safe: the transport calls it from one thread, or under its own lock.
 */
public final class FrameRate {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    // 24 bytes a session: the time comes with each frame rather than from a ticker field
    private long second = Long.MIN_VALUE;
    private int frames;

    /**
     * Counts one frame; false when it is past {@code perSecond} in the current second (the session is to close).
     *
     * @param nowNanos the ticker's time, {@link System#nanoTime} outside tests
     */
    public boolean admit(int perSecond, long nowNanos) {
        long now = Math.floorDiv(nowNanos, NANOS_PER_SECOND);
        if (now != second) {
            second = now;
            frames = 0;
        }
        return ++frames <= perSecond;
    }
}
