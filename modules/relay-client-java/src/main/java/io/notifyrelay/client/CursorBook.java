package io.notifyrelay.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The last cursor per partition: what a resuming subscription sends so the node replays exactly what was
 * missed. Cursors are opaque to applications; the client reads the partition and offset out of them
 * ({@code base64url("c1:<epoch>:<partition>:<offset>")}) only to keep the newest one per partition.
 * Not thread-safe: the client calls it under its lock.
 */
final class CursorBook {

    /** A decoded cursor. */
    record Position(String cursor, String epoch, int partition, long offset) {
    }

    private final Map<Integer, Position> last = new TreeMap<>();

    /** The later of two positions of a partition; of two epochs, {@code b}'s (the newer one seen). */
    static Position newer(Position a, Position b) {
        if (!a.epoch().equals(b.epoch())) {
            return b;
        }
        return b.offset() > a.offset() ? b : a;
    }

    /** The earlier of two positions of a partition; of two epochs, {@code b}'s. */
    static Position older(Position a, Position b) {
        if (!a.epoch().equals(b.epoch())) {
            return b;
        }
        return b.offset() < a.offset() ? b : a;
    }

    /** Reads a cursor the relay sent; empty when it is not in a format this client knows. */
    static Optional<Position> decode(String cursor) {
        if (cursor == null || cursor.isEmpty() || cursor.length() > 200) {
            return Optional.empty();
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            String[] parts = plain.split(":");
            if (parts.length != 4 || !"c1".equals(parts[0]) || parts[1].isEmpty()) {
                return Optional.empty();
            }
            int partition = Integer.parseInt(parts[2]);
            long offset = Long.parseLong(parts[3]);
            if (partition < 0 || offset < 0) {
                return Optional.empty();
            }
            return Optional.of(new Position(cursor, parts[1], partition, offset));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Keeps {@code position} if it is newer than what the book has for its partition: a higher offset, or
     * any offset of a different epoch (the topic was recreated; the old cursor means nothing any more).
     */
    boolean advance(Position position) {
        Position current = last.get(position.partition());
        if (current == null || !current.epoch().equals(position.epoch()) || position.offset() > current.offset()) {
            last.put(position.partition(), position);
            return true;
        }
        return false;
    }

    /** Seeds the book, e.g. with cursors an application saved before a restart; undecodable ones are ignored. */
    void seed(Collection<String> cursors) {
        for (String cursor : cursors) {
            decode(cursor).ifPresent(this::advance);
        }
    }

    Optional<Position> get(int partition) {
        return Optional.ofNullable(last.get(partition));
    }

    /** Every partition's last cursor, by partition. */
    List<String> cursors() {
        List<String> result = new ArrayList<>(last.size());
        last.values().forEach(position -> result.add(position.cursor()));
        return result;
    }

    int size() {
        return last.size();
    }
}
