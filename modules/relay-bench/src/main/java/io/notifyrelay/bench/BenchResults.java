package io.notifyrelay.bench;

import java.util.List;
import java.util.Map;

/** Everything a run measured, as written to the JSON file; a phase that did not run is null (and left out). */
record BenchResults(String profile, String started, MachineInfo machine, RunParameters parameters,
                    ThroughputPhase.RelayResult relay, FloorPhase.FloorResult floor,
                    FanoutPhase.FanoutResult fanout, SocketIoPhase.SocketIoResult socketIo,
                    ReadCostPhase.ReadCostResult readCost,
                    ReceiptCostPhase.ReceiptCostResult receiptCost, RawPhase.RawResult raw, MemoryPhase.MemoryResult memory,
                    Map<String, ProtocolPhase.ProtocolRun> protocols, Summary summary, Map<String, Object> traceExports,
                    String loadAverageAtEnd, List<String> notes, double durationSeconds) {
}
