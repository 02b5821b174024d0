package io.notifyrelay.it;

import io.notifyrelay.app.RelayNode;
import io.notifyrelay.it.attack.AttackCanary;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** The attack tests' canary measures what it should: a node under no attack keeps up with itself. */
@RealKafka
class AttackCanaryIT {

    @Test
    void withNoAttackTheCanaryKeepsItsQuietLatency(KafkaBackend kafka) throws Exception {
        String topic = TestRelays.uniqueName("canary");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        try (RelayNode relay = TestRelays.startReady(TestRelays.env(kafka, topic, TestRelays.uniqueName("group")));
             AttackCanary canary = AttackCanary.connect(TestRelays.wsUri(relay), TestRelays.SECRET,
                     kafka.bootstrapServers(), topic)) {
            AttackCanary.Latencies quiet = canary.quiet(Duration.ofSeconds(2));
            AttackCanary.Latencies idle = canary.during("no attack", () -> { });
            canary.assertKeptUp(quiet, idle);
            // and it can fail: a phase in which nothing arrived is not kept up
            AttackCanary.Latencies lost = new AttackCanary.Latencies("all lost", idle.sent(), 0, Double.NaN,
                    Double.NaN, Double.NaN);
            assertThrows(AssertionError.class, () -> canary.assertKeptUp(quiet, lost));
            AttackCanary.Latencies slow = new AttackCanary.Latencies("slow", idle.sent(), idle.sent(), 1_000, 10_000,
                    10_000);
            assertThrows(AssertionError.class, () -> canary.assertKeptUp(quiet, slow));
        }
    }
}
