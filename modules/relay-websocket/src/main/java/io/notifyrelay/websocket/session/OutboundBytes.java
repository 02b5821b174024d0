package io.notifyrelay.websocket.session;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BooleanSupplier;

/**
 * A session's outbound queue, counted in bytes and driven by write completions, whatever the transport: bytes are
 * counted when queued and released when written (or dropped). Past {@code limit} the session is too slow (its
 * sender closes it); a catch-up goes on only while at most half the limit waits, either by leaving a task that
 * the next release past that mark runs ({@link #whenRoom}, no thread held) or by waiting ({@link #awaitRoom}).
 *
 * <p>One object per session (field updaters, not atomics): idle sessions are most of a node's memory.
 */
public final class OutboundBytes {

    private static final AtomicLongFieldUpdater<OutboundBytes> PENDING =
            AtomicLongFieldUpdater.newUpdater(OutboundBytes.class, "pending");
    private static final AtomicReferenceFieldUpdater<OutboundBytes, Runnable> ROOM_TASK =
            AtomicReferenceFieldUpdater.newUpdater(OutboundBytes.class, Runnable.class, "roomTask");
    private static final AtomicIntegerFieldUpdater<OutboundBytes> WAITERS =
            AtomicIntegerFieldUpdater.newUpdater(OutboundBytes.class, "waiters");

    private final long limit;
    private final BooleanSupplier closed;
    private volatile long pending;
    private volatile Runnable roomTask;
    private volatile int waiters;

    /** @param closed whether the session is closing: nothing waits for room then, and no room task runs */
    public OutboundBytes(long limit, BooleanSupplier closed) {
        this.limit = limit;
        this.closed = closed;
    }

    public long limit() {
        return limit;
    }

    public long pending() {
        return pending;
    }

    /** Counts bytes about to be queued; false when the queue is now past the limit (the session is too slow). */
    public boolean add(long bytes) {
        return PENDING.addAndGet(this, bytes) <= limit;
    }

    /** Bytes were written (or will never be): runs a waiting room task and wakes waiters once there is room. */
    public void released(long bytes) {
        long now = PENDING.addAndGet(this, -bytes);
        if (roomTask != null && now <= limit / 2) {
            runRoomTask();
        }
        if (waiters > 0) {
            wakeWaiters();
        }
    }

    /** Whether a catch-up may queue more: at most half the limit waits. */
    public boolean hasRoom() {
        return pending <= limit / 2;
    }

    /** Runs {@code task} once there is room (now if there is), on whatever thread notices; never once closed. */
    public void whenRoom(Runnable task) {
        roomTask = task;
        if (hasRoom()) {
            runRoomTask(); // room came meanwhile (or already was)
        }
    }

    /** Waits up to {@code timeoutNanos} for room; whether there is room (false once the session is closing). */
    public boolean awaitRoom(long timeoutNanos) {
        if (hasRoom()) {
            return !closed.getAsBoolean();
        }
        long deadline = System.nanoTime() + timeoutNanos;
        WAITERS.incrementAndGet(this);
        try {
            synchronized (this) {
                while (!hasRoom() && !closed.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return !closed.getAsBoolean();
            }
        } finally {
            WAITERS.decrementAndGet(this);
        }
    }

    /** The session closed: the room task is dropped and waiters give up. */
    public void close() {
        roomTask = null;
        wakeWaiters();
    }

    private void runRoomTask() {
        Runnable task = ROOM_TASK.getAndSet(this, null);
        if (task != null && !closed.getAsBoolean()) {
            task.run();
        }
    }

    private synchronized void wakeWaiters() {
        notifyAll();
    }
}
