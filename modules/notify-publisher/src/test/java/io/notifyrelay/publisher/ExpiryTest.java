package io.notifyrelay.publisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.notifyrelay.core.EventExpiry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ExpiryTest {

    private static final Instant NOW = Instant.parse("2025-04-02T13:21:33.120Z");

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final NotifyPublisher publisher =
            NotifyPublisher.builder().producer(producer).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

    private String expiryHeader(int record) {
        Header header = producer.history().get(record).headers().lastHeader("ce_expirytime");
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aTtlCountsFromThePublishingTimeAndTheRelayReadsIt() {
        publisher.publish("lob-faber", Examples.valid("connection-accepted"),
                Expiry.after(Duration.ofMinutes(10)));

        assertEquals("2025-04-02T13:31:33.120Z", expiryHeader(0));
        assertEquals(NOW.plusSeconds(600).toEpochMilli(), EventExpiry.parse(expiryHeader(0)));
    }

    @Test
    void anInstantIsSentAsIsWithMillisecondPrecision() {
        publisher.publish("lob-faber", Examples.valid("connection-accepted"),
                Expiry.at(Instant.parse("2030-01-01T00:00:00.123456Z")));

        assertEquals("2030-01-01T00:00:00.123Z", expiryHeader(0));
    }

    @Test
    void withoutExpiryThereIsNoHeader() {
        publisher.publish("lob-faber", Examples.valid("connection-accepted"));
        publisher.publish("lob-faber", Examples.valid("connection-accepted"),
                Expiry.NONE);

        assertNull(expiryHeader(0));
        assertNull(expiryHeader(1));
    }

    @Test
    void aTtlMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ofSeconds(-1)));
    }
}
