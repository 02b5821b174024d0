package io.notifyrelay.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Runs two {@code @RealKafka} classes concurrently in a nested Jupiter engine (as surefire would) and checks that
 * they got one backend, started once, and that JUnit closed it when the run ended.
 */
class SharedKafkaExtensionTest {

    private static final Set<KafkaBackend> SEEN = ConcurrentHashMap.newKeySet();

    // nested classes: surefire does not run them itself (its default excludes contain **/*$*)
    @RealKafka
    static class FirstUser {
        @Test
        void usesKafka(KafkaBackend kafka) {
            SEEN.add(kafka);
            kafka.createTopic("shared-first", 1);
        }
    }

    @RealKafka
    static class SecondUser {
        SecondUser(KafkaBackend kafka) {
            SEEN.add(kafka);
        }

        @Test
        void usesKafka(KafkaBackend kafka) {
            SEEN.add(kafka);
            kafka.createTopic("shared-second", 1);
        }
    }

    @Test
    void oneBackendPerRunStartedLazilyAndClosedWithTheRootStore() {
        SEEN.clear();
        EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .selectors(selectClass(FirstUser.class), selectClass(SecondUser.class))
                .execute()
                .testEvents()
                .assertStatistics(stats -> stats.started(2).succeeded(2).failed(0));

        assertEquals(1, SEEN.size(), "one backend for both classes and all injection points: " + SEEN);
        KafkaBackend backend = SEEN.iterator().next();
        IllegalStateException closed = assertThrows(IllegalStateException.class, backend::admin);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
