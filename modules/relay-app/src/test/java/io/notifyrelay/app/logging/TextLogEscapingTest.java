package io.notifyrelay.app.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shipped text log format (src/main/resources/logback.xml), in a logger context of its own. */
class TextLogEscapingTest {

    private static final String FORGED = "1.0\n12:00:00.000 ERROR [main] i.n.app.RelayNode - FORGED";

    @Test
    void escapesControlCharacters() {
        assertEquals("a\\nb\\r\\tc\\u0000\\u001b[31m\\u2028", ControlCharacters.escape("a\nb\r\tc\u0000\u001b[31m\u2028"));
        String clean = "no control characters: \\n stays as typed";
        assertTrue(clean == ControlCharacters.escape(clean), "nothing to escape, nothing copied");
    }

    @Test
    void aValueWithANewlineStaysOnItsLineInMessagesAndExceptionMessages() throws Exception {
        String output = logWithShippedConfig(log -> {
            log.warn("Skipped record {}: {}", "topic/0@1", FORGED);
            log.error("Handler failed", new IllegalStateException("bad payloadType " + FORGED));
        });
        List<String> lines = output.lines().toList();
        assertFalse(lines.stream().anyMatch(line -> line.startsWith("12:00:00.000 ERROR")), output);
        assertTrue(lines.get(0).contains("Skipped record topic/0@1: 1.0\\n12:00:00.000 ERROR [main] i.n.app.RelayNode"
                + " - FORGED"), output);
        assertTrue(output.contains("java.lang.IllegalStateException: bad payloadType 1.0\\n12:00:00.000 ERROR"), output);
        assertTrue(lines.stream().anyMatch(line -> line.trim().startsWith("at ")), "stack frames still print: " + output);
    }

    /**
     * Logs with the shipped configuration on the test JVM's logger context (a context of one's own does not write
     * to the console), then puts the test configuration back.
     */
    private static String logWithShippedConfig(java.util.function.Consumer<Logger> logging) throws Exception {
        URL shipped = TextLogEscapingTest.class.getResource("/logback.xml");
        URL testConfig = TextLogEscapingTest.class.getResource("/logback-test.xml");
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        // the console appender writes to whatever System.out is: a buffer while the shipped format logs
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            configure(context, shipped);
            logging.accept(LoggerFactory.getLogger("io.notifyrelay.app.RelayNode"));
        } finally {
            System.setOut(original);
            configure(context, testConfig);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    private static void configure(LoggerContext context, URL config) throws Exception {
        context.reset();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);
    }
}
