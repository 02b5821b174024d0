package io.notifyrelay.core.auth;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * Who a session is, from its token: the LOB it acts for, the contacts it may see (when the token
 * restricts them) and when the token stops being valid.
 *
 * @param allowedContacts the {@code contacts} claim; {@code null} when the token does not restrict
 *                        the session to particular contacts
 */
public record Principal(String lobId, Set<String> allowedContacts, Instant expiresAt) {

    public Principal {
        Objects.requireNonNull(lobId, "lobId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        allowedContacts = allowedContacts == null ? null : Set.copyOf(allowedContacts);
    }

    public boolean restrictedToContacts() {
        return allowedContacts != null;
    }

    public boolean mayReceive(String contactId) {
        return allowedContacts == null || allowedContacts.contains(contactId);
    }
}
