package io.notifyrelay.it;

import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code /health/live} follows the consumer loop: 200 while it runs, 503 once it died (so it gets restarted). */
@RealKafka
class LivenessIT {

    @Test
    void livenessTurns503WhenTheConsumerLoopDies(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("liveness");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        AtomicBoolean kill = new AtomicBoolean();
        // the real consumer, except that poll throws an error the loop cannot recover from once told to
        ConsumerFactory killable = config -> {
            @SuppressWarnings("unchecked")
            Consumer<byte[], byte[]> real = ConsumerFactory.kafka().create(config);
            @SuppressWarnings("unchecked")
            Consumer<byte[], byte[]> proxy = (Consumer<byte[], byte[]>) Proxy.newProxyInstance(
                    Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class}, (self, method, args) -> {
                        if (method.getName().equals("poll") && kill.get()) {
                            throw new IllegalStateException("consumer loop killed by the test");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            return proxy;
        };
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0],
                TestRelays.env(kafka, topic, TestRelays.uniqueName("group"))), killable);
        try {
            await("ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
            assertEquals(200, TestRelays.get(node, "/health/live").statusCode());

            kill.set(true);

            await("liveness 503").atMost(Duration.ofSeconds(30))
                    .until(() -> TestRelays.get(node, "/health/live").statusCode() == 503);
            assertTrue(TestRelays.get(node, "/health/live").body().contains("DOWN"));
            assertEquals(503, TestRelays.get(node, "/health/ready").statusCode());
        } finally {
            node.close();
        }
    }
}
