package io.notifyrelay.websocket.session;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A resume point that needs no server-side memory: the topic epoch and, per partition, the first offset the
 * client has not seen. Sent to socket.io clients as the last argument of every event (socket.io-client keeps it
 * and sends it back in its CONNECT auth), so any node can replay what the client missed.
 *
 * <p>Wire form: base64url (no padding) of {@code 1, epochLength, epoch (ASCII), count, then per partition in
 * increasing order: partition - previous partition - 1, offset}, the numbers as unsigned LEB128 varints. Twelve
 * partitions at offsets around a million take 79 characters. What clients send back is hostile input: it is
 * bounded ({@link #MAX_CHARS}, {@link #MAX_PARTITIONS}) and checked strictly; it only ever says where to read
 * from, never which events a session may have (its token decides that).
 */
public record RecoveryOffset(String epoch, SortedMap<Integer, Long> next) {

    /** Longest offset string accepted: enough for {@link #MAX_PARTITIONS} partitions at any offset. */
    public static final int MAX_CHARS = 32 * 1024;
    public static final int MAX_PARTITIONS = 2048;
    private static final int VERSION = 1;
    private static final int MAX_EPOCH_BYTES = 64;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    public RecoveryOffset {
        next = Collections.unmodifiableSortedMap(new TreeMap<>(next));
    }

    /** Encodes {@code next[p]} for every partition whose entry is {@code >= 0}. */
    public static String encode(String epoch, long[] next) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + next.length * 5);
        header(out, epoch);
        int count = 0;
        for (long offset : next) {
            if (offset >= 0) {
                count++;
            }
        }
        varint(out, count);
        int previous = -1;
        for (int partition = 0; partition < next.length; partition++) {
            if (next[partition] >= 0) {
                varint(out, partition - previous - 1);
                varint(out, next[partition]);
                previous = partition;
            }
        }
        return ENCODER.encodeToString(out.toByteArray());
    }

    public String encode() {
        int size = next.isEmpty() ? 0 : next.lastKey() + 1;
        long[] array = new long[size];
        java.util.Arrays.fill(array, -1L);
        next.forEach((partition, offset) -> array[partition] = offset);
        return encode(epoch, array);
    }

    /** Reads an offset a client sent back; empty when it is not one of ours (or is malformed in any way). */
    public static Optional<RecoveryOffset> decode(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_CHARS) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Reader in = new Reader(bytes);
        if (in.varint() != VERSION) {
            return Optional.empty();
        }
        long epochLength = in.varint();
        if (epochLength < 1 || epochLength > MAX_EPOCH_BYTES || !in.has((int) epochLength)) {
            return Optional.empty();
        }
        String epoch = new String(bytes, in.position, (int) epochLength, StandardCharsets.US_ASCII);
        in.position += (int) epochLength;
        if (!epoch.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return Optional.empty();
        }
        long count = in.varint();
        if (count < 0 || count > MAX_PARTITIONS) {
            return Optional.empty();
        }
        SortedMap<Integer, Long> next = new TreeMap<>();
        long partition = -1;
        for (int i = 0; i < count; i++) {
            long gap = in.varint();
            long offset = in.varint();
            if (gap < 0 || offset < 0 || offset == Long.MAX_VALUE) {
                return Optional.empty();
            }
            partition += gap + 1;
            if (partition >= MAX_PARTITIONS) {
                return Optional.empty();
            }
            next.put((int) partition, offset);
        }
        if (in.failed || in.position != bytes.length) {
            return Optional.empty();
        }
        return Optional.of(new RecoveryOffset(epoch, next));
    }

    /** The positions as a map, for a resume request. */
    public Map<Integer, Long> asMap() {
        return next;
    }

    private static void header(ByteArrayOutputStream out, String epoch) {
        byte[] epochBytes = epoch.getBytes(StandardCharsets.US_ASCII);
        varint(out, VERSION);
        varint(out, epochBytes.length);
        out.writeBytes(epochBytes);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** Varints that fail (too long, past the end) mark the reader failed and read as -1. */
    private static final class Reader {
        private final byte[] bytes;
        private int position;
        private boolean failed;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        boolean has(int n) {
            return !failed && bytes.length - position >= n;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 63; shift += 7) {
                if (position >= bytes.length) {
                    failed = true;
                    return -1;
                }
                int b = bytes[position++] & 0xFF;
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            failed = true; // more than 9 bytes: not a value this format writes
            return -1;
        }
    }
}
