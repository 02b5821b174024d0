package io.notifyrelay.websocket.listener;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/** The process's open-file limit, and how many connections fit under it with room for everything else. */
public final class DescriptorLimit {

    /** Descriptors kept for Kafka clients, replay readers, jars, logs and the JWKS fetcher. */
    public static final int MIN_RESERVE = 512;

    private DescriptorLimit() {
    }

    /** The limit the JVM runs under ({@code ulimit -n}, raised to the hard limit by the JVM), if the OS says. */
    public static OptionalLong ofThisProcess() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return OptionalLong.of(unix.getMaxFileDescriptorCount());
        }
        return OptionalLong.empty();
    }

    /** What the client listener may hold: the limit less a tenth of it, and at least {@value #MIN_RESERVE}. */
    public static int connectionsWithin(long descriptorLimit) {
        long reserve = Math.max(MIN_RESERVE, descriptorLimit / 10);
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, descriptorLimit - reserve));
    }
}
