package io.notifyrelay.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.notifyrelay.core.auth.AuthenticationException;
import io.notifyrelay.core.auth.Principal;
import io.notifyrelay.core.auth.TokenVerifier;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubscriptionBoundsTest {

    private final SubscriptionBounds bounds = new SubscriptionBounds(8, 20);

    @Test
    void idsAreCountedInUtf8Bytes() {
        assertTrue(bounds.idFits("12345678"));
        assertFalse(bounds.idFits("123456789"));
        assertTrue(bounds.idFits("éééé"), "4 characters, 8 bytes");
        assertFalse(bounds.idFits("ééééé"), "5 characters, 10 bytes");
        assertFalse(bounds.idFits("😀😀😀"), "3 characters, 12 bytes");
        assertEquals(12, SubscriptionBounds.utf8Length("😀😀😀"));
    }

    @Test
    void aSubscriptionIsBoundedInTotalBytes() {
        assertTrue(bounds.subscriptionFits(List.of("1234567890", "1234567890")));
        assertFalse(bounds.subscriptionFits(List.of("1234567890", "1234567890", "1")));
    }

    @Test
    void tokensOverTheBoundsAreRefusedWithAReason() throws Exception {
        Instant exp = Instant.now().plusSeconds(60);
        assertEquals("lob", verify(new Principal("lob", Set.of("a", "b"), exp), 2).lobId());
        assertRefused(new Principal("a-long-lob", null, exp), 2, "claim lob is longer than 8 bytes");
        assertRefused(new Principal("lob", Set.of("123456789"), exp), 2, "longer than 8 bytes");
        assertRefused(new Principal("lob", Set.of("a", "b", "c"), exp), 2, "more than 2 contacts");
        assertRefused(new Principal("lob", Set.of("12345678", "abcdefgh", "ABCDEFGH"), exp), 5, "larger than 20 bytes");
    }

    private Principal verify(Principal principal, int maxContacts) throws AuthenticationException {
        TokenVerifier verifier = token -> principal;
        return bounds.bounding(verifier, maxContacts).verify("t");
    }

    private void assertRefused(Principal principal, int maxContacts, String reason) {
        AuthenticationException refused = assertThrows(AuthenticationException.class, () -> verify(principal, maxContacts));
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    }
}
