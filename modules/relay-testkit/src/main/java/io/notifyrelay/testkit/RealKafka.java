package io.notifyrelay.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that talks to a real Kafka broker: {@link KafkaBackend} parameters of its constructor,
 * lifecycle and test methods receive the one backend shared by the whole test JVM (see {@link SharedKafkaExtension}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SharedKafkaExtension.class)
public @interface RealKafka {
}
