package io.notifyrelay.app.logging;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} of the text log format with control characters escaped. The pattern applies it to every message,
 * so no call site can forget to escape what a producer or client sent. (The JSON format escapes by itself.)
 */
public final class EscapedMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return ControlCharacters.escape(super.convert(event));
    }
}
