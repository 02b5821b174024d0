package io.notifyrelay.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KafkaWarningLimiterTest {

    private final LoggerContext context = new LoggerContext();
    private final AtomicLong now = new AtomicLong(1_000);
    private final KafkaWarningLimiter limiter = new KafkaWarningLimiter(now::get);

    private FilterReply warn(Logger logger) {
        return limiter.decide(null, logger, Level.WARN, "Connection to node {} could not be established", null, null);
    }

    @Test
    void letsOneKafkaWarningPerLoggerThroughPerMinute() {
        Logger network = context.getLogger("org.apache.kafka.clients.NetworkClient");
        Logger utils = context.getLogger("org.apache.kafka.clients.ClientUtils");
        assertEquals(FilterReply.NEUTRAL, warn(network));
        assertEquals(FilterReply.DENY, warn(network));
        assertEquals(FilterReply.NEUTRAL, warn(utils), "each logger has its own window");
        now.addAndGet(59_999);
        assertEquals(FilterReply.DENY, warn(network));
        now.addAndGet(1);
        assertEquals(FilterReply.NEUTRAL, warn(network), "a new window lets the next one through");
    }

    @Test
    void leavesErrorsOtherLoggersAndLevelChecksAlone() {
        Logger network = context.getLogger("org.apache.kafka.clients.NetworkClient");
        warn(network);
        assertEquals(FilterReply.NEUTRAL, limiter.decide(null, network, Level.ERROR, "boom", null, null));
        assertEquals(FilterReply.NEUTRAL, limiter.decide(null, network, Level.WARN, null, null, null));
        Logger relay = context.getLogger("io.notifyrelay.kafka.RelayConsumer");
        assertEquals(FilterReply.NEUTRAL, warn(relay));
        assertEquals(FilterReply.NEUTRAL, warn(relay));
    }
}
