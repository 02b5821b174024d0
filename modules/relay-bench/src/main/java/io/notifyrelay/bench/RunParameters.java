package io.notifyrelay.bench;

import java.util.List;
import java.util.Set;

/** The options of a run that shape its figures, as the JSON records them. */
record RunParameters(int sessions, int lobs, int contactsPerSession, int fanOut, int notificationBytes, int partitions,
                     String groupProtocol, boolean tracing, String relayGc, String relayHeap, List<String> relayJvmExtra,
                     double rampStart, double rampFactor, double rampStepSeconds, double latencySeconds,
                     int latencyRepeats, long burstEvents, int resumeEvents, List<Integer> memorySessions,
                     int producerLingerMs, int clientThreads, Set<String> phases) {

    static RunParameters of(BenchOptions o) {
        return new RunParameters(o.sessions, o.lobs, o.contactsPerSession, 1, o.notificationBytes, o.partitions,
                o.groupProtocol, o.tracing, o.gc, o.relayHeap, List.copyOf(o.relayJvmExtra), o.rampStart, o.rampFactor,
                o.rampStepSeconds, o.latencySeconds, o.repeats, o.burstEvents, o.resumeEvents, o.memorySessions,
                o.lingerMs, o.clientThreads, o.phases);
    }
}
