package io.notifyrelay.app;

import static io.notifyrelay.app.ConfigLoaderTest.env;
import static io.notifyrelay.app.ConfigLoaderTest.load;
import static io.notifyrelay.app.ConfigLoaderTest.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FeedbackConfigTest {

    @Test
    void receiptsAndPresenceAreOnByDefaultNextToTheTopic() {
        RelayConfig.Feedback feedback = load(env("RELAY_TOPIC", "events")).feedback();

        assertEquals("events.receipts", feedback.receiptsTopic());
        assertEquals("events.presence", feedback.presenceTopic());
        assertEquals(10_000, feedback.receiptsMaxQueued());
        assertEquals(Duration.ofSeconds(2), feedback.presenceInterval());
        assertEquals(20_000, feedback.presenceMaxContacts());
    }

    @Test
    void noneTurnsEachOff() {
        RelayConfig.Feedback feedback = load(env("RELAY_RECEIPTS_TOPIC", "none", "RELAY_PRESENCE_TOPIC", "NONE"))
                .feedback();

        assertNull(feedback.receiptsTopic());
        assertNull(feedback.presenceTopic());
    }

    @Test
    void theTopicsMustDifferFromTheOthers() {
        problem(env("RELAY_RECEIPTS_TOPIC", "notify.events"), "RELAY_RECEIPTS_TOPIC");
        problem(env("RELAY_PRESENCE_TOPIC", "notify.events.dlq"), "RELAY_PRESENCE_TOPIC");
        problem(env("RELAY_RECEIPTS_TOPIC", "x", "RELAY_PRESENCE_TOPIC", "x"), "must differ");
    }

    @Test
    void boundsAreChecked() {
        problem(env("RELAY_PRESENCE_INTERVAL", "100ms"), "RELAY_PRESENCE_INTERVAL");
        problem(env("RELAY_PRESENCE_INTERVAL", "2h"), "RELAY_PRESENCE_INTERVAL");
        problem(env("RELAY_RECEIPTS_MAX_QUEUED", "0"), "RELAY_RECEIPTS_MAX_QUEUED");
        problem(env("RELAY_PRESENCE_MAX_CONTACTS", "lots"), "RELAY_PRESENCE_MAX_CONTACTS");
    }
}
