package io.notifyrelay.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

class RateLimitedLogTest {

    /** A logger that records the formatted warn and error lines it is given. */
    private static Logger recording(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (proxy, method, args) -> {
                    if ((method.getName().equals("warn") || method.getName().equals("error")) && args.length == 2
                            && args[1] instanceof Object[] arguments) {
                        lines.add(MessageFormatter.arrayFormat((String) args[0], arguments).getMessage());
                    }
                    return method.getReturnType() == boolean.class ? true : null;
                });
    }

    @Test
    void writesAtMostItsRatePerSecondThenSaysHowManyItLeftOut() {
        List<String> lines = new ArrayList<>();
        AtomicLong clock = new AtomicLong(10_000);
        RateLimitedLog log = new RateLimitedLog(recording(lines), 2, clock::get);
        for (int i = 1; i <= 5; i++) {
            log.warn("bad record {}", i);
        }
        assertEquals(List.of("bad record 1", "bad record 2"), lines);
        assertEquals(3, log.suppressed());
        clock.addAndGet(1_000);
        log.error("bad record {}", 6);
        assertEquals("bad record 6 (3 similar lines left out before this one)", lines.get(2));
        assertEquals(0, log.suppressed());
        log.error("bad record {}", 7);
        assertEquals("bad record 7", lines.get(3));
    }
}
