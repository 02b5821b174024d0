package io.notifyrelay.publisher;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a notification stops being worth showing, sent as the CloudEvents Expiry Time extension
 * ({@code ce_expirytime}): from then on the relay sends it to no session, live or replayed, and produces one
 * {@code expired} receipt instead.
 */
public sealed interface Expiry {

    /** No expiry: the notification is relayed however late. */
    Expiry NONE = new Never();

    /** Expires at this instant (millisecond precision on the wire). */
    static Expiry at(Instant expiresAt) {
        return new At(Objects.requireNonNull(expiresAt, "expiresAt"));
    }

    /** Expires this long after it is published (by the publisher's clock). */
    static Expiry after(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        return new After(ttl);
    }

    /** The expiry instant for a notification published at {@code publishedAt}, or null for none. */
    Instant resolve(Instant publishedAt);

    record Never() implements Expiry {
        @Override
        public Instant resolve(Instant publishedAt) {
            return null;
        }
    }

    record At(Instant expiresAt) implements Expiry {
        @Override
        public Instant resolve(Instant publishedAt) {
            return expiresAt;
        }
    }

    record After(Duration ttl) implements Expiry {
        @Override
        public Instant resolve(Instant publishedAt) {
            return publishedAt.plus(ttl);
        }
    }
}
