package io.notifyrelay.websocket;

import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.auth.TokenVerifier;
import java.util.Collection;

/**
 * How much subscription one session may make the node hold, on both transports: ids are bounded in length and
 * a session's contact ids in total bytes, whether they come from a {@code subscribe} or a token's claims.
 *
 * @param maxContactIdBytes    longest contact id (and token {@code lob}), in UTF-8 bytes
 * @param maxSubscriptionBytes most UTF-8 bytes of contact ids one session may be subscribed to, or a token may name
 */
public record SubscriptionBounds(int maxContactIdBytes, int maxSubscriptionBytes) {

    public static final int DEFAULT_MAX_CONTACT_ID_BYTES = 256;
    public static final int DEFAULT_MAX_SUBSCRIPTION_BYTES = 64 * 1024;

    public SubscriptionBounds {
        if (maxContactIdBytes < 1 || maxSubscriptionBytes < maxContactIdBytes) {
            throw new IllegalArgumentException("maxContactIdBytes must be at least 1 and maxSubscriptionBytes at least"
                    + " maxContactIdBytes");
        }
    }

    public static SubscriptionBounds defaults() {
        return new SubscriptionBounds(DEFAULT_MAX_CONTACT_ID_BYTES, DEFAULT_MAX_SUBSCRIPTION_BYTES);
    }

    /** Whether {@code id} is short enough; counted in UTF-8 bytes without copying it. */
    public boolean idFits(String id) {
        return id.length() <= maxContactIdBytes && utf8Length(id) <= maxContactIdBytes;
    }

    public boolean subscriptionFits(Collection<String> contactIds) {
        long total = 0;
        for (String id : contactIds) {
            total += utf8Length(id);
            if (total > maxSubscriptionBytes) {
                return false;
            }
        }
        return true;
    }

    /**
     * A verifier that also refuses tokens whose ids are over these bounds, or that name more than
     * {@code maxContacts} contacts: a session would hold them for its whole life.
     */
    public TokenVerifier bounding(TokenVerifier verifier, int maxContacts) {
        return token -> {
            Principal principal = verifier.verify(token);
            if (!idFits(principal.lobId())) {
                throw new AuthenticationException("claim lob is longer than " + maxContactIdBytes + " bytes");
            }
            if (principal.restrictedToContacts()) {
                Collection<String> contacts = principal.allowedContacts();
                if (contacts.size() > maxContacts) {
                    throw new AuthenticationException("claim contacts names more than " + maxContacts + " contacts");
                }
                for (String contact : contacts) {
                    if (!idFits(contact)) {
                        throw new AuthenticationException("claim contacts has an id longer than " + maxContactIdBytes
                                + " bytes");
                    }
                }
                if (!subscriptionFits(contacts)) {
                    throw new AuthenticationException("claim contacts is larger than " + maxSubscriptionBytes
                            + " bytes");
                }
            }
            return principal;
        };
    }

    static long utf8Length(String s) {
        long bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
