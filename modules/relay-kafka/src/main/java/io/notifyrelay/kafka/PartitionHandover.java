package io.notifyrelay.kafka;

/**
 * Lets a member of the relay's group hand the once-per-record duties of its partitions to another reader of the
 * same node that reads them anyway (anywhere mode's delivery reader), so the member stops fetching and decoding
 * them. The member pauses a handed-over partition and commits the other reader's progress; when the partition
 * leaves the member it takes the duties back before committing. Called on the member's consumer thread; an
 * implementation is shared with the other reader's thread and must be thread-safe.
 */
public interface PartitionHandover {

    /**
     * The member has done the duties of every record of {@code partition} before {@code position}: true when
     * the other reader takes them over from there (every record from {@code position} on), and the member
     * stops reading the partition; false to keep reading.
     */
    boolean handOver(int partition, long position);

    /** Of a handed-over partition: every record before this offset has had its duties done (what to commit). */
    long progress(int partition);

    /**
     * The partition leaves the member: the other reader does no more duties for it from now on.
     *
     * @return the final {@link #progress} when it was handed over, else -1
     */
    long takeBack(int partition);

    /** The lag of a handed-over partition in records as its duties see it; NaN when not handed over or not known. */
    double lag(int partition);
}
