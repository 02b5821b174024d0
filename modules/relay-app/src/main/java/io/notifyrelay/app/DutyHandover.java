package io.notifyrelay.app;

import io.notifyrelay.kafka.PartitionHandover;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Anywhere mode's handover of the once-per-cluster duties (receipts, dead letters) between a node's two readers of
 * the same partitions: the group member, which owns a share of them in the relay's group, and the delivery reader,
 * which reads all of them anyway. Once the member has done the duties up to where the reader is, it hands the
 * partition over at its own position (the boundary) and stops fetching it; from then on the reader does the
 * duties of every record from the boundary on, and the member commits the reader's progress. When the group takes
 * the partition away, the member takes it back first and commits where the duties stopped.
 *
 * <p>No gap: the member has done every record before the boundary, the reader every one from it on (it reads in
 * order and had not passed the boundary when it was set, both under one lock), and what is committed never passes
 * a record whose duties are not done. A record being handled while the partition is taken back may get its duties
 * twice (once here, once by the next owner), as auto-commit always allowed.
 *
 * <p>The reader's side ({@link #readerStarts}, {@link #claim}, {@link #batchDone}) runs on the delivery thread;
 * the {@link PartitionHandover} side on the group member's thread. One lock, uncontended in practice.
 */
final class DutyHandover implements PartitionHandover {

    /** One partition as both readers see it; guarded by the handover's lock. */
    private static final class Slot {
        /** The reader's next record to read; -1 until its start position is known. */
        long readerNext = -1;
        /** Every record before this one has been handled by the reader. */
        long readerDone = -1;
        boolean handedOver;
        /** The reader does the duties of the records from this offset on. */
        long boundary;
        boolean inBatch;
    }

    private final Map<Integer, Slot> slots = new HashMap<>();
    /** Slots the reader claimed records of in its current batch. */
    private final List<Slot> claimedInBatch = new ArrayList<>();
    /** The delivery reader's own lag of a partition (NaN when unknown). */
    private final IntToDoubleFunction readerLag;

    DutyHandover(IntToDoubleFunction readerLag) {
        this.readerLag = readerLag;
    }

    private Slot slot(int partition) {
        return slots.computeIfAbsent(partition, p -> new Slot());
    }

    /** Reader: it reads {@code partition} from {@code next} on (its start position, told before any record). */
    synchronized void readerStarts(int partition, long next) {
        Slot slot = slot(partition);
        if (slot.readerNext < 0) {
            slot.readerNext = next;
            slot.readerDone = next;
        }
    }

    /**
     * Reader, before handling the record at {@code offset}: everything before it is handled.
     *
     * @return whether the reader must do this record's duties
     */
    synchronized boolean claim(int partition, long offset) {
        Slot slot = slot(partition);
        slot.readerNext = offset + 1;
        slot.readerDone = offset;
        if (!slot.inBatch) {
            slot.inBatch = true;
            claimedInBatch.add(slot);
        }
        return slot.handedOver && offset >= slot.boundary;
    }

    /** Reader: every record it claimed so far is handled (its batch is over). */
    synchronized void batchDone() {
        for (Slot slot : claimedInBatch) {
            slot.readerDone = slot.readerNext;
            slot.inBatch = false;
        }
        claimedInBatch.clear();
    }

    /** Member: hands over once the reader's position is known and the member has caught up with it. */
    @Override
    public synchronized boolean handOver(int partition, long position) {
        Slot slot = slot(partition);
        if (slot.handedOver || slot.readerNext < 0 || position < slot.readerNext) {
            return false;
        }
        slot.handedOver = true;
        slot.boundary = position;
        return true;
    }

    @Override
    public synchronized long progress(int partition) {
        Slot slot = slots.get(partition);
        return slot == null || !slot.handedOver ? -1 : Math.max(slot.boundary, slot.readerDone);
    }

    @Override
    public synchronized long takeBack(int partition) {
        long progress = progress(partition);
        Slot slot = slots.get(partition);
        if (slot != null) {
            slot.handedOver = false;
        }
        return progress;
    }

    /** The reader's lag, once the duties are the reader's; records it passed before the boundary are not lag. */
    @Override
    public double lag(int partition) {
        long behindBoundary;
        synchronized (this) {
            Slot slot = slots.get(partition);
            if (slot == null || !slot.handedOver) {
                return Double.NaN;
            }
            behindBoundary = Math.max(0, slot.boundary - slot.readerNext);
        }
        double lag = readerLag.applyAsDouble(partition);
        return Double.isNaN(lag) ? lag : Math.max(0, lag - behindBoundary);
    }

    /** The partitions whose duties the reader does now (/health/ready). */
    synchronized java.util.SortedSet<Integer> handedOverPartitions() {
        java.util.SortedSet<Integer> partitions = new java.util.TreeSet<>();
        slots.forEach((partition, slot) -> {
            if (slot.handedOver) {
                partitions.add(partition);
            }
        });
        return partitions;
    }

    /** Whether the reader does the duties of {@code partition} now. */
    synchronized boolean handedOver(int partition) {
        Slot slot = slots.get(partition);
        return slot != null && slot.handedOver;
    }
}
