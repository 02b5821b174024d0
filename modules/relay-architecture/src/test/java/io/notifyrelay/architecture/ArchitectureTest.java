package io.notifyrelay.architecture;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Fails the build when production code crosses a boundary of {@link ModuleBoundaries}. */
class ArchitectureTest {

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.notifyrelay");
    }

    static Stream<ArchRule> rules() {
        return Stream.of(ModuleBoundaries.CORE_IS_PURE, ModuleBoundaries.KAFKA_IS_CONFINED,
                ModuleBoundaries.UNDERTOW_IS_CONFINED, ModuleBoundaries.KAFKA_INTERNALS_STAY_INSIDE,
                ModuleBoundaries.WEBSOCKET_INTERNALS_STAY_INSIDE, ModuleBoundaries.ADAPTERS_ARE_INDEPENDENT,
                ModuleBoundaries.WEBSOCKET_KNOWS_ONLY_CORE, ModuleBoundaries.PUBLISHER_KNOWS_ONLY_CORE,
                ModuleBoundaries.JAVA_CLIENT_STANDS_ALONE, ModuleBoundaries.NO_TESTKIT_IN_PRODUCTION,
                ModuleBoundaries.TESTKIT_PRECEDES_THE_RELAY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void productionCodeKeepsTheBoundary(ArchRule rule) {
        rule.check(production);
    }

    /** A rule over an empty import passes vacuously: make sure every module's classes were really imported. */
    @Test
    void everyModuleIsImported() {
        for (String module : List.of("io.notifyrelay.core", "io.notifyrelay.kafka", "io.notifyrelay.websocket",
                "io.notifyrelay.app", "io.notifyrelay.publisher", "io.notifyrelay.testkit", "io.notifyrelay.testkit.cluster",
                "io.notifyrelay.dev", "io.notifyrelay.client", "io.notifyrelay.bench")) {
            assertTrue(production.containPackage(module), module + " was not imported");
        }
    }

    /** The rules can fail: a test-only class in the core package that imports Kafka breaks the first one. */
    @Test
    void aCoreClassImportingKafkaIsCaught() {
        JavaClasses fixture = new ClassFileImporter()
                .importClasses(io.notifyrelay.core.archfixture.CoreClassImportingKafka.class);
        assertTrue(ModuleBoundaries.CORE_IS_PURE.evaluate(fixture).hasViolation());
        assertTrue(ModuleBoundaries.KAFKA_IS_CONFINED.evaluate(fixture).hasViolation());
    }
}
