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
 * @param scopes          the {@code scope} claim (OAuth: space-separated, or an array), e.g. {@code presence:read}
 */
public record Principal(String lobId, Set<String> allowedContacts, Instant expiresAt, Set<String> scopes) {

    /** The scope that lets a token ask {@code /v1/presence} about any LOB. */
    public static final String PRESENCE_READ = "presence:read";

    public Principal {
        Objects.requireNonNull(lobId, "lobId");
        Objects.requireNonNull(expiresAt, "expiresAt");
        allowedContacts = allowedContacts == null ? null : Set.copyOf(allowedContacts);
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    }

    public Principal(String lobId, Set<String> allowedContacts, Instant expiresAt) {
        this(lobId, allowedContacts, expiresAt, Set.of());
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    public boolean restrictedToContacts() {
        return allowedContacts != null;
    }

    public boolean mayReceive(String contactId) {
        return allowedContacts == null || allowedContacts.contains(contactId);
    }
}
