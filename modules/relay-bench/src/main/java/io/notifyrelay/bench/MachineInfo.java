package io.notifyrelay.bench;

import io.notifyrelay.testkit.cluster.ChildJvm;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;

/** The machine a run measured on, so a figure can be read with what produced it. */
record MachineInfo(int cores, String cpuModel, Double memoryGiB, String kernel, String jvm, long openFileLimit,
                   String ephemeralPorts, String loadAverageAtStart, String relayJvm, String relayGc,
                   List<String> benchJvmGc, String cpuLayout, String note) {

    static MachineInfo probe(BenchOptions o, CpuLayout cpus) {
        String layout = cpus.pinned()
                ? "pinned with taskset: server on CPU " + cpus.server() + ", broker and load generator on " + cpus.others()
                : cpus.reason() != null ? cpus.reason() : "unpinned (--no-pin)";
        return new MachineInfo(Runtime.getRuntime().availableProcessors(),
                ProcFs.firstLineStartingWith(Path.of("/proc/cpuinfo"), "model name").map(l -> l.split(":", 2)[1].trim())
                        .orElse("?"),
                ProcFs.firstLineStartingWith(Path.of("/proc/meminfo"), "MemTotal:")
                        .map(l -> Round.r1(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse(null),
                ProcFs.readTrimmed(Path.of("/proc/sys/kernel/osrelease")),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                ProcFs.openFileLimit(),
                ProcFs.readTrimmed(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).replaceAll("\\s+", "-"),
                ProcFs.readTrimmed(Path.of("/proc/loadavg")),
                "same java as the bench: " + ChildJvm.javaBin(), o.gc,
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList(),
                layout, "broker, relay and load generator share the machine");
    }
}
