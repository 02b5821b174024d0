package io.notifyrelay.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/**
 * The module boundaries the README's architecture table states, one rule each. Packages stand for modules:
 * {@code io.notifyrelay.core} is relay-core, {@code io.notifyrelay.kafka} relay-kafka, and so on.
 */
final class ModuleBoundaries {

    static final String KAFKA = "org.apache.kafka..";
    static final String UNDERTOW = "io.undertow..";
    static final String XNIO = "org.xnio..";

    private ModuleBoundaries() {
    }

    /** The domain knows neither the transport nor the log, nor any module built on it. */
    static final ArchRule CORE_IS_PURE = noClasses().that().resideInAPackage("io.notifyrelay.core..")
            .should().dependOnClassesThat().resideInAnyPackage(KAFKA, UNDERTOW, XNIO,
                    "io.notifyrelay.kafka..", "io.notifyrelay.websocket..", "io.notifyrelay.app..")
            .because("relay-core is the domain: no Kafka, no Undertow, no module that wires them");

    /**
     * Kafka is confined to relay-kafka, plus the tools whose job is Kafka itself: the publisher, the test kit's
     * brokers, dev mode's embedded broker and the bench's load producer and raw consumer.
     */
    static final ArchRule KAFKA_IS_CONFINED = noClasses().that().resideOutsideOfPackages("io.notifyrelay.kafka..",
                    "io.notifyrelay.publisher..", "io.notifyrelay.testkit..", "io.notifyrelay.dev..",
                    "io.notifyrelay.bench..")
            .should().dependOnClassesThat().resideInAPackage(KAFKA)
            .because("relay-kafka is the only relay module that imports Kafka");

    /** Undertow is confined to relay-websocket, plus the bench's bare-Undertow floor it compares the relay with. */
    static final ArchRule UNDERTOW_IS_CONFINED = noClasses().that().resideOutsideOfPackages(
                    "io.notifyrelay.websocket..", "io.notifyrelay.bench..")
            .should().dependOnClassesThat().resideInAnyPackage(UNDERTOW, XNIO)
            .because("relay-websocket is the only relay module that imports Undertow");

    /** An {@code internal} package is for its own module only. */
    static final ArchRule KAFKA_INTERNALS_STAY_INSIDE = noClasses().that().resideOutsideOfPackage("io.notifyrelay.kafka..")
            .should().dependOnClassesThat().resideInAPackage("io.notifyrelay.kafka.internal..")
            .because("relay-kafka's internal package is not its API");

    static final ArchRule WEBSOCKET_INTERNALS_STAY_INSIDE = noClasses().that()
            .resideOutsideOfPackage("io.notifyrelay.websocket..")
            .should().dependOnClassesThat().resideInAPackage("io.notifyrelay.websocket.internal..")
            .because("relay-websocket's internal package is not its API");

    /** The two adapters meet only in relay-app, the module that wires them. */
    static final ArchRule ADAPTERS_ARE_INDEPENDENT = noClasses().that().resideInAPackage("io.notifyrelay.kafka..")
            .should().dependOnClassesThat().resideInAnyPackage("io.notifyrelay.websocket..", "io.notifyrelay.app..")
            .because("relay-kafka and relay-websocket know only relay-core; relay-app wires them");

    static final ArchRule WEBSOCKET_KNOWS_ONLY_CORE = noClasses().that().resideInAPackage("io.notifyrelay.websocket..")
            .should().dependOnClassesThat().resideInAnyPackage("io.notifyrelay.kafka..", "io.notifyrelay.app..")
            .because("relay-kafka and relay-websocket know only relay-core; relay-app wires them");

    /** What ships to the Notify API team and to back-ends depends on no relay internals. */
    static final ArchRule PUBLISHER_KNOWS_ONLY_CORE = noClasses().that().resideInAPackage("io.notifyrelay.publisher..")
            .should().dependOnClassesThat().resideInAnyPackage("io.notifyrelay.kafka..", "io.notifyrelay.websocket..",
                    "io.notifyrelay.app..", "io.notifyrelay.testkit..", "io.notifyrelay.dev..")
            .because("notify-publisher is a library for producers: it shares only the contract in relay-core");

    static final ArchRule JAVA_CLIENT_STANDS_ALONE = noClasses().that().resideInAPackage("io.notifyrelay.client..")
            .should().dependOnClassesThat().resideInAnyPackage("io.notifyrelay.core..", "io.notifyrelay.kafka..",
                    "io.notifyrelay.websocket..", "io.notifyrelay.app..", "io.notifyrelay.publisher..",
                    "io.notifyrelay.testkit..")
            .because("relay-client-java depends on Jackson and the JDK only");

    /**
     * relay-app's tests use the test kit, so the kit comes before relay-app: only its cluster fixtures
     * (relay-testkit-cluster, built after relay-app) start relay nodes.
     */
    static final ArchRule TESTKIT_PRECEDES_THE_RELAY = noClasses().that().resideInAPackage("io.notifyrelay.testkit..")
            .and().resideOutsideOfPackage("io.notifyrelay.testkit.cluster..")
            .should().dependOnClassesThat().resideInAnyPackage("io.notifyrelay.kafka..", "io.notifyrelay.websocket..",
                    "io.notifyrelay.app..", "io.notifyrelay.testkit.cluster..")
            .because("relay-testkit and relay-testkit-web come before the relay modules, whose tests use them");

    /** Production code never reaches into the test kit, which drags in brokers and JUnit. */
    static final ArchRule NO_TESTKIT_IN_PRODUCTION = noClasses().that().resideInAnyPackage("io.notifyrelay.core..",
                    "io.notifyrelay.kafka..", "io.notifyrelay.websocket..", "io.notifyrelay.app..",
                    "io.notifyrelay.publisher..", "io.notifyrelay.client..")
            .should().dependOnClassesThat().resideInAPackage("io.notifyrelay.testkit..")
            .because("the test kit is for tests, dev mode and the bench");
}
