package io.notifyrelay.core.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrincipalTest {

    private static final Instant EXP = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void unrestrictedPrincipalMayReceiveAnyContact() {
        Principal principal = new Principal("lob-a", null, EXP);
        assertFalse(principal.restrictedToContacts());
        assertTrue(principal.mayReceive("c1"));
    }

    @Test
    void restrictedPrincipalMayReceiveOnlyItsContacts() {
        Principal principal = new Principal("lob-a", Set.of("c1"), EXP);
        assertTrue(principal.restrictedToContacts());
        assertTrue(principal.mayReceive("c1"));
        assertFalse(principal.mayReceive("c2"));
    }

    @Test
    void contactsAreCopied() {
        Set<String> contacts = new HashSet<>(Set.of("c1"));
        Principal principal = new Principal("lob-a", contacts, EXP);
        contacts.add("c2");
        assertFalse(principal.mayReceive("c2"));
        assertThrows(UnsupportedOperationException.class, () -> principal.allowedContacts().add("c3"));
    }

    @Test
    void lobAndExpiryAreRequired() {
        assertThrows(NullPointerException.class, () -> new Principal(null, null, EXP));
        assertThrows(NullPointerException.class, () -> new Principal("lob-a", null, null));
    }
}
