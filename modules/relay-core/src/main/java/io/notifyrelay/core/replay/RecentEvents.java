package io.notifyrelay.core.replay;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The last few events of each partition this node consumes, so a client back from a short disconnect
 * is caught up from memory instead of a read from Kafka. Confined to the consumer thread.
 *
 * <p>Events are copied into one byte ring per partition instead of being kept as objects. At thousands
 * of events per second a window of objects lives just long enough to survive a young collection, so
 * every young pause copied it (about 20 MB, half of each pause) and its slots dirtied cards for the
 * next one. A ring of bytes is allocated once, holds no references, and costs the collector nothing.
 * Replay, which is rare, turns the bytes back into events.
 */
public final class RecentEvents {

    /** Default {@code maxBytesPerPartition}: room for 1,000 events of 4 KB. */
    public static final int DEFAULT_MAX_BYTES_PER_PARTITION = 4 << 20;

    private static final int INITIAL_RING_BYTES = 64 << 10;

    private final int perPartition;
    private final int maxBytesPerPartition;
    private final Map<Integer, Window> windows = new HashMap<>();

    /** @param perPartition events kept per partition; 0 keeps none (every resume reads Kafka) */
    public RecentEvents(int perPartition) {
        this(perPartition, DEFAULT_MAX_BYTES_PER_PARTITION);
    }

    /**
     * @param perPartition         events kept per partition; 0 keeps none (every resume reads Kafka)
     * @param maxBytesPerPartition bound on the ring of one partition; the oldest events make room first
     */
    public RecentEvents(int perPartition, int maxBytesPerPartition) {
        if (perPartition < 0 || maxBytesPerPartition < 1) {
            throw new IllegalArgumentException("perPartition must be >= 0 and maxBytesPerPartition >= 1");
        }
        this.perPartition = perPartition;
        this.maxBytesPerPartition = maxBytesPerPartition;
    }

    public void add(RelayEvent event) {
        if (perPartition == 0) {
            return;
        }
        Window window = windows.get(event.partition());
        if (window == null || !window.epoch.equals(event.cursor().epoch())) {
            // a new epoch means the topic was recreated: what is held belongs to another topic
            window = new Window(event.cursor().epoch(), perPartition, Math.min(INITIAL_RING_BYTES, maxBytesPerPartition));
            windows.put(event.partition(), window);
        }
        window.add(event, maxBytesPerPartition);
    }

    /** The partition left this node: what is kept may go stale before it comes back. */
    public void forget(int partition) {
        windows.remove(partition);
    }

    /** Whether every event of {@code partition} from {@code fromOffset} on is held here. */
    public boolean covers(int partition, long fromOffset) {
        Window window = windows.get(partition);
        return window != null && window.coveredFrom >= 0 && fromOffset >= window.coveredFrom;
    }

    /** Hands over the held events of {@code partition} at or after {@code fromOffset}, oldest first. */
    public void forEachFrom(int partition, long fromOffset, Consumer<RelayEvent> action) {
        Window window = windows.get(partition);
        if (window != null) {
            window.forEachFrom(partition, fromOffset, action);
        }
    }

    public int size() {
        int total = 0;
        for (Window window : windows.values()) {
            total += window.count;
        }
        return total;
    }

    /** Bytes reserved by the rings of all partitions (they grow on demand up to the per-partition bound). */
    public long reservedBytes() {
        long total = 0;
        for (Window window : windows.values()) {
            total += window.ring.length;
        }
        return total;
    }

    /**
     * One partition's events in arrival order. Slot {@code i} of the index describes one event; its bytes
     * start at {@code starts[i]} in the ring and may wrap around its end. Layout of an event:
     * timestamp (8), expiry (8), payload type (1), id, lob, contact (2-byte length + UTF-8 each), notification.
     */
    private static final class Window {
        private static final PayloadType[] TYPES = PayloadType.values();

        final String epoch;
        final long[] offsets;
        final int[] starts;
        final int[] lengths;
        byte[] ring;
        int first;     // index slot of the oldest event
        int count;     // events held
        int writeAt;   // ring position after the newest event
        int usedBytes; // ring bytes held by events
        /** Every accepted event of the partition from this offset on is held; -1 before the first. */
        long coveredFrom = -1;

        Window(String epoch, int slots, int ringBytes) {
            this.epoch = epoch;
            this.offsets = new long[slots];
            this.starts = new int[slots];
            this.lengths = new int[slots];
            this.ring = new byte[ringBytes];
        }

        void add(RelayEvent event, int maxBytes) {
            byte[] id = event.eventId().getBytes(StandardCharsets.UTF_8);
            byte[] lob = event.lobId().getBytes(StandardCharsets.UTF_8);
            byte[] contact = event.contactId().getBytes(StandardCharsets.UTF_8);
            byte[] notification = event.notification();
            long size = 8L + 8 + 1 + 2 + id.length + 2 + lob.length + 2 + contact.length + notification.length;
            if (coveredFrom < 0) {
                coveredFrom = event.offset();
            }
            if (size > maxBytes || id.length > 0xFFFF || lob.length > 0xFFFF || contact.length > 0xFFFF) {
                // cannot be held: start over after it, so a resume from before it reads Kafka
                count = 0;
                usedBytes = 0;
                writeAt = 0;
                coveredFrom = event.offset() + 1;
                return;
            }
            int bytes = (int) size;
            if (count == offsets.length) {
                evictOldest();
            }
            if (usedBytes + bytes > ring.length) {
                if (ring.length < maxBytes) {
                    grow(Math.min(maxBytes, Math.max(ring.length * 2, usedBytes + bytes)));
                }
                while (usedBytes + bytes > ring.length) {
                    evictOldest();
                }
            }
            int slot = (first + count) % offsets.length;
            offsets[slot] = event.offset();
            starts[slot] = writeAt;
            lengths[slot] = bytes;
            count++;
            usedBytes += bytes;
            writeLong(event.timestampMs());
            writeLong(event.expiresAtMs());
            writeByte(event.payloadType().ordinal());
            writeString(id);
            writeString(lob);
            writeString(contact);
            write(notification);
        }

        /** Offsets between the evicted event and the next were no events (rejected records, markers). */
        private void evictOldest() {
            coveredFrom = offsets[first] + 1;
            usedBytes -= lengths[first];
            first = (first + 1) % offsets.length;
            count--;
        }

        /** Copies the held events to the start of a bigger ring, oldest first. */
        private void grow(int newLength) {
            byte[] bigger = new byte[newLength];
            int at = 0;
            for (int i = 0; i < count; i++) {
                int slot = (first + i) % offsets.length;
                read(starts[slot], bigger, at, lengths[slot]);
                starts[slot] = at;
                at += lengths[slot];
            }
            ring = bigger;
            writeAt = at;
        }

        void forEachFrom(int partition, long fromOffset, Consumer<RelayEvent> action) {
            for (int i = 0; i < count; i++) {
                int slot = (first + i) % offsets.length;
                if (offsets[slot] >= fromOffset) {
                    action.accept(decode(partition, slot));
                }
            }
        }

        private RelayEvent decode(int partition, int slot) {
            byte[] bytes = new byte[lengths[slot]];
            read(starts[slot], bytes, 0, bytes.length);
            long timestamp = readLong(bytes, 0);
            long expiresAt = readLong(bytes, 8);
            PayloadType type = TYPES[bytes[16]];
            int at = 17;
            String[] strings = new String[3];
            for (int s = 0; s < 3; s++) {
                int length = ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
                strings[s] = new String(bytes, at + 2, length, StandardCharsets.UTF_8);
                at += 2 + length;
            }
            byte[] notification = Arrays.copyOfRange(bytes, at, bytes.length);
            return new RelayEvent(strings[0], strings[1], strings[2], type,
                    new Cursor(epoch, partition, offsets[slot]), timestamp, notification, null, null, expiresAt);
        }

        private static long readLong(byte[] bytes, int from) {
            long value = 0;
            for (int i = from; i < from + 8; i++) {
                value = (value << 8) | (bytes[i] & 0xFF);
            }
            return value;
        }

        private void read(int from, byte[] into, int at, int length) {
            int tail = Math.min(length, ring.length - from);
            System.arraycopy(ring, from, into, at, tail);
            System.arraycopy(ring, 0, into, at + tail, length - tail);
        }

        private void writeLong(long value) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                writeByte((int) (value >>> shift));
            }
        }

        private void writeString(byte[] utf8) {
            writeByte(utf8.length >>> 8);
            writeByte(utf8.length);
            write(utf8);
        }

        private void writeByte(int value) {
            ring[writeAt] = (byte) value;
            writeAt = writeAt + 1 == ring.length ? 0 : writeAt + 1;
        }

        private void write(byte[] bytes) {
            int tail = Math.min(bytes.length, ring.length - writeAt);
            System.arraycopy(bytes, 0, ring, writeAt, tail);
            System.arraycopy(bytes, tail, ring, 0, bytes.length - tail);
            writeAt = (writeAt + bytes.length) % ring.length;
        }
    }
}
