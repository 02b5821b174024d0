package io.notifyrelay.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.notifyrelay.websocket.internal.ServerFrames;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenLifecycleTest {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final TokenLifecycle MINUTE_WARNING = new TokenLifecycle(Duration.ofSeconds(60), Duration.ZERO);

    @Test
    void warnsTheWarningPeriodBeforeExpAndClosesAtExp() {
        TokenLifecycle.Plan plan = MINUTE_WARNING.plan(NOW.plusSeconds(600), NOW);
        assertEquals(Duration.ofSeconds(540), plan.warnIn());
        assertEquals(Duration.ofSeconds(600), plan.closeIn());
        assertEquals(NOW.plusSeconds(600), plan.deadline());
    }

    @Test
    void theWarningIsClampedToTheTokensLifetime() {
        TokenLifecycle.Plan plan = MINUTE_WARNING.plan(NOW.plusSeconds(20), NOW);
        assertEquals(Duration.ZERO, plan.warnIn());
        assertEquals(Duration.ofSeconds(20), plan.closeIn());
    }

    @Test
    void theGraceMovesTheDeadlineNotTheWarning() {
        TokenLifecycle.Plan plan = new TokenLifecycle(Duration.ofSeconds(60), Duration.ofSeconds(30))
                .plan(NOW.plusSeconds(600), NOW);
        assertEquals(Duration.ofSeconds(540), plan.warnIn());
        assertEquals(Duration.ofSeconds(630), plan.closeIn());
    }

    @Test
    void anAlreadyExpiredTokenClosesAtOnceWithoutAWarning() {
        TokenLifecycle.Plan plan = MINUTE_WARNING.plan(NOW.minusSeconds(5), NOW);
        assertNull(plan.warnIn());
        assertEquals(Duration.ZERO, plan.closeIn());
    }

    @Test
    void anExpiredTokenWithinTheGraceIsWarnedAtOnce() {
        TokenLifecycle.Plan plan = new TokenLifecycle(Duration.ofSeconds(60), Duration.ofSeconds(30))
                .plan(NOW.minusSeconds(5), NOW);
        assertEquals(Duration.ZERO, plan.warnIn());
        assertEquals(Duration.ofSeconds(25), plan.closeIn());
    }

    @Test
    void aZeroWarningSendsNone() {
        assertNull(new TokenLifecycle(Duration.ZERO, Duration.ZERO).plan(NOW.plusSeconds(600), NOW).warnIn());
    }

    @Test
    void boundsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new TokenLifecycle(Duration.ofSeconds(-1), Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new TokenLifecycle(Duration.ZERO, Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class,
                () -> new TokenLifecycle(Duration.ZERO, TokenLifecycle.MAX_REFRESH_GRACE.plusSeconds(1)));
        new TokenLifecycle(Duration.ZERO, TokenLifecycle.MAX_REFRESH_GRACE);
    }

    @Test
    void tokenExpiringFrame() throws Exception {
        JsonNode frame = new ObjectMapper().readTree(ServerFrames.tokenExpiring(Instant.parse("2025-06-01T12:10:00Z"), 59_250));
        assertEquals(List.of("type", "expiresAt", "refreshWithin"), List.copyOf(iterable(frame)));
        assertEquals("token_expiring", frame.get("type").asText());
        assertEquals("2025-06-01T12:10:00Z", frame.get("expiresAt").asText());
        assertEquals(59_250L, frame.get("refreshWithin").longValue());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
