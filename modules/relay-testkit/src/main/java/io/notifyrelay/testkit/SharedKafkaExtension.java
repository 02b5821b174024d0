package io.notifyrelay.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link KafkaBackend} parameters with one backend per test JVM, started lazily by the first test that
 * asks for it ({@link KafkaBackends#start()}) and closed when JUnit closes the root store at the end of the run.
 * The root store's {@code getOrComputeIfAbsent} makes concurrent first requests (parallel execution) start only
 * one backend; the store is the only place the backend is held.
 */
public final class SharedKafkaExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKafkaExtension.class);
    private static final String KEY = "kafka-backend";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBackend.class;
    }

    @Override
    public KafkaBackend resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return sharedBackend(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("No Kafka backend for " + parameterContext.getDeclaringExecutable()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The backend of this test run, starting it if no test asked for it yet. */
    public static KafkaBackend sharedBackend(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, key -> new StoredBackend(KafkaBackends.start()), StoredBackend.class)
                .backend();
    }

    /**
     * Closed by JUnit with the root store. Both interfaces on purpose: JUnit 5.13+ closes {@link AutoCloseable}
     * values (and deprecates CloseableResource) unless that is switched off, in which case it still closes a
     * CloseableResource; either way exactly one close happens.
     */
    @SuppressWarnings("deprecation")
    private record StoredBackend(KafkaBackend backend) implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            backend.close();
        }
    }
}
