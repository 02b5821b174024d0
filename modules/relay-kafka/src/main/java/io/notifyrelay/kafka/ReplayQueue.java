package io.notifyrelay.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The Kafka reads of resuming sessions, waiting for one of a few replay threads. Bounded per session and per
 * LOB, and fair between LOBs: the threads take the next read from each LOB in turn, so one tenant's backlog
 * delays only that tenant. A cancelled owner's queued reads are dropped at once, freeing their places.
 */
final class ReplayQueue {

    /**
     * @param perSession reads one session may have queued or running; beyond, they are refused
     * @param perLob     reads all sessions of one LOB may have queued or running; beyond, they are refused
     */
    record Limits(int perSession, int perLob) {
        Limits {
            if (perSession < 1 || perLob < 1) {
                throw new IllegalArgumentException("replay queue limits must be at least 1");
            }
        }
    }

    /** One session's resume, as the queue counts it. */
    static final class Owner {
        final String lob;
        private volatile boolean cancelled;
        private int pending; // guarded by the queue

        Owner(String lob) {
            this.lob = lob;
        }

        boolean cancelled() {
            return cancelled;
        }
    }

    private final class Task<T> {
        final Owner owner;
        final Supplier<T> work;
        final CompletableFuture<T> result = new CompletableFuture<>();

        Task(Owner owner, Supplier<T> work) {
            this.owner = owner;
            this.work = work;
        }
    }

    private final Limits limits;
    private final Executor threads;
    /** Queued tasks per LOB; iteration order is the turn order (a LOB served moves to the end). */
    private final LinkedHashMap<String, ArrayDeque<Task<?>>> queued = new LinkedHashMap<>();
    private final Map<String, Integer> pendingByLob = new HashMap<>();

    /** @param threads runs one "take the next task" per submitted task; its own queue may be unbounded */
    ReplayQueue(Limits limits, Executor threads) {
        this.limits = limits;
        this.threads = threads;
    }

    /** Queues {@code work} for {@code owner}; null when the owner or its LOB already has its maximum. */
    <T> CompletableFuture<T> submit(Owner owner, Supplier<T> work) {
        Task<T> task = new Task<>(owner, work);
        synchronized (this) {
            if (owner.cancelled || owner.pending >= limits.perSession()
                    || pendingByLob.getOrDefault(owner.lob, 0) >= limits.perLob()) {
                return null;
            }
            owner.pending++;
            pendingByLob.merge(owner.lob, 1, Integer::sum);
            queued.computeIfAbsent(owner.lob, lob -> new ArrayDeque<>()).add(task);
        }
        threads.execute(this::runNext);
        return task.result;
    }

    /** Drops the owner's queued tasks (their futures are cancelled); its running ones see {@link Owner#cancelled()}. */
    void cancel(Owner owner) {
        List<Task<?>> dropped = new ArrayList<>();
        synchronized (this) {
            owner.cancelled = true;
            ArrayDeque<Task<?>> tasks = queued.get(owner.lob);
            if (tasks != null) {
                for (Iterator<Task<?>> it = tasks.iterator(); it.hasNext(); ) {
                    Task<?> task = it.next();
                    if (task.owner == owner) {
                        it.remove();
                        dropped.add(task);
                        release(task);
                    }
                }
                if (tasks.isEmpty()) {
                    queued.remove(owner.lob);
                }
            }
        }
        dropped.forEach(task -> task.result.cancel(false));
    }

    /** Reads queued or running for {@code lob}. */
    synchronized int pending(String lob) {
        return pendingByLob.getOrDefault(lob, 0);
    }

    private void runNext() {
        Task<?> task = next();
        if (task != null) {
            run(task);
        }
    }

    private synchronized Task<?> next() {
        Iterator<Map.Entry<String, ArrayDeque<Task<?>>>> lobs = queued.entrySet().iterator();
        if (!lobs.hasNext()) {
            return null; // its task was cancelled; the token that would have run it has nothing to do
        }
        Map.Entry<String, ArrayDeque<Task<?>>> turn = lobs.next();
        Task<?> task = turn.getValue().poll();
        lobs.remove();
        if (!turn.getValue().isEmpty()) {
            queued.put(turn.getKey(), turn.getValue()); // to the back of the line
        }
        return task;
    }

    private <T> void run(Task<T> task) {
        T result = null;
        RuntimeException failure = null;
        boolean cancelled = task.owner.cancelled;
        try {
            if (!cancelled) {
                result = task.work.get();
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            synchronized (this) {
                release(task); // before completing: what follows may queue more for this LOB
            }
        }
        if (cancelled) {
            task.result.cancel(false);
        } else if (failure != null) {
            task.result.completeExceptionally(failure);
        } else {
            task.result.complete(result);
        }
    }

    private void release(Task<?> task) {
        task.owner.pending--;
        pendingByLob.computeIfPresent(task.owner.lob, (lob, count) -> count <= 1 ? null : count - 1);
    }
}
