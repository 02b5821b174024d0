package io.notifyrelay.client;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Calls the user's listeners one at a time, in the order the client produced the calls, on the listener
 * executor: never under the client's lock, never on the JDK's I/O threads. Any executor keeps the order, as
 * one drain task at a time runs the queue. A backlog beyond {@code limit} calls makes the client stop reading
 * (see {@link #backlogged()}), so a slow listener backs up into the relay (4429) instead of into memory.
 */
final class ListenerQueue {

    private static final System.Logger LOG = System.getLogger(ListenerQueue.class.getName());

    private final String name;
    private final Executor executor;
    private final int limit;
    private final Runnable belowLimit;
    private final Queue<Runnable> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();

    /** {@code belowLimit} runs (on the executor) when a backlog has shrunk back to half the limit. */
    ListenerQueue(String name, Executor executor, int limit, Runnable belowLimit) {
        this.name = name;
        this.executor = executor;
        this.limit = limit;
        this.belowLimit = belowLimit;
    }

    void submit(Runnable call) {
        calls.add(call);
        queued.incrementAndGet();
        schedule();
    }

    /** More calls wait than the limit allows: the client should stop reading until they are done. */
    boolean backlogged() {
        return queued.get() >= limit;
    }

    private void schedule() {
        if (!calls.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false); // executor shut down: the client is closed, the calls are dropped
                LOG.log(System.Logger.Level.DEBUG, "{0}: listener executor refused a call", name);
            }
        }
    }

    private void drain() {
        try {
            Runnable call;
            while ((call = calls.poll()) != null) {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, name + ": listener failed", e);
                }
                if (queued.decrementAndGet() == limit / 2) {
                    belowLimit.run();
                }
            }
        } finally {
            draining.set(false);
        }
        schedule(); // a call added between the last poll and the reset
    }
}
