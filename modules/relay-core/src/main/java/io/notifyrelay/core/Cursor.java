package io.notifyrelay.core;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where an event sits in the topic: partition and offset, plus the topic's epoch.
 *
 * <p>The epoch is derived from the Kafka topic id, so a cursor taken before the topic was deleted and
 * recreated is recognised as stale instead of being applied to unrelated records. Clients treat the
 * encoded form as opaque.
 */
public record Cursor(String epoch, int partition, long offset) {

    private static final String VERSION = "c1";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    public Cursor {
        if (epoch == null || epoch.isEmpty() || epoch.indexOf(':') >= 0) {
            throw new IllegalArgumentException("epoch must be non-empty and contain no ':'");
        }
        if (partition < 0 || offset < 0) {
            throw new IllegalArgumentException("partition and offset must be >= 0");
        }
    }

    /** The opaque string sent to clients. */
    public String encode() {
        String plain = VERSION + ':' + epoch + ':' + partition + ':' + offset;
        return ENCODER.encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
    }

    /** Parses a cursor a client sent back; empty when it is not one of ours. */
    public static Optional<Cursor> decode(String encoded) {
        if (encoded == null || encoded.isEmpty() || encoded.length() > 200) {
            return Optional.empty();
        }
        try {
            String[] parts = new String(DECODER.decode(encoded), StandardCharsets.US_ASCII).split(":");
            if (parts.length != 4 || !VERSION.equals(parts[0])) {
                return Optional.empty();
            }
            return Optional.of(new Cursor(parts[1], Integer.parseInt(parts[2]), Long.parseLong(parts[3])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
