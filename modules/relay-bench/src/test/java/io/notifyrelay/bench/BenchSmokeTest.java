package io.notifyrelay.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the bench's smoke profile end to end (broker, relay and floor as processes, 200 real WebSocket sessions), so the
 * bench cannot rot: every figure of the table and the JSON must be there with a sane value. Not a performance test:
 * the values are only checked for plausibility.
 */
class BenchSmokeTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(420) // 8 JVMs (broker, relay, floor, fan-out relay and floor, Socket.IO relay, read-cost node, memory node)
    void smokeProfileMeasuresEveryFigure() throws Exception {
        Path json = dir.resolve("bench-results.json");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        new BenchMain(BenchOptions.parse("--smoke", "--out", json.toString(), "--work-dir", dir.resolve("work").toString()),
                new PrintStream(console, true, StandardCharsets.UTF_8)).run();
        String table = console.toString(StandardCharsets.UTF_8);
        System.out.println(table);
        System.out.println("smoke bench took " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");

        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals("smoke", r.path("profile").asText());
        assertTrue(r.path("machine").path("cores").asInt() >= 1, "machine cores");
        assertTrue(r.path("machine").path("jvm").asText().length() > 3, "machine jvm");

        JsonNode relay = r.path("relay");
        assertEquals(200, relay.path("sessions").asInt());
        assertTrue(relay.path("maxSustainedPerSecond").asDouble() > 0, "max sustained rate");
        JsonNode latency = relay.path("latency");
        assertTrue(latency.path("delivered").asLong() > 0, "latency run delivered events");
        JsonNode ms = latency.path("latencyMs");
        assertTrue(ms.path("p50").asDouble() > 0 && ms.path("p50").asDouble() <= ms.path("p99").asDouble()
                && ms.path("p99").asDouble() <= ms.path("p999").asDouble()
                && ms.path("p999").asDouble() <= ms.path("max").asDouble() && ms.path("max").asDouble() < 60_000,
                "ordered, plausible percentiles: " + ms);
        assertTrue(latency.path("relayCpuSeconds").asDouble() > 0, "relay CPU measured");
        assertTrue(latency.path("deliveredPerRelayCpuSecond").asDouble() > 0, "msgs per CPU-s");
        assertEquals(1, relay.path("latencyRuns").size(), "--smoke repeats the latency run once");
        assertEquals(1, relay.path("latencySpread").path("runs").asInt());
        assertEquals(ms.path("p99").asDouble(), relay.path("latencySpread").path("p99Median").asDouble());
        JsonNode burst = relay.path("burst");
        assertEquals(burst.path("events").asLong(), burst.path("delivered").asLong(), "every burst event delivered");
        assertTrue(burst.path("deliveredPerSecond").asDouble() > 0);
        assertEquals(0, relay.path("sessionsClosedBySlowness").asInt());

        JsonNode resume = relay.path("resume");
        assertTrue(resume.has("catchUpMs"), "resume figure present (number, or null with a status)");
        // the figure must be there; whether the relay resumes correctly is ResumeIT's business
        assertTrue(resume.path("catchUpMs").isNumber() || !resume.path("status").asText().isEmpty(),
                "resume either measured or explained: " + resume);

        JsonNode floor = r.path("floor");
        assertEquals(200, floor.path("sessions").asInt(), "the floor gets as many sessions as the relay");
        assertEquals(latency.path("offeredPerSecond").asDouble(), floor.path("latency").path("offeredPerSecond").asDouble(),
                "the floor runs at the relay's latency rate");
        assertTrue(floor.path("latency").path("delivered").asLong() > 0, "floor latency run delivered events");
        assertEquals(floor.path("burst").path("events").asLong(), floor.path("burst").path("delivered").asLong(),
                "every floor burst event delivered");
        JsonNode fanout = r.path("fanout");
        assertEquals(10, fanout.path("fanOut").asInt(), "40 LOB-wide sessions over 4 LOBs: " + fanout);
        for (JsonNode run : new JsonNode[]{fanout.path("relay"), fanout.path("floor"), r.path("socketIo").path("socketIo"),
                r.path("socketIo").path("ws")}) {
            JsonNode b = run.path("burst");
            assertEquals(10 * b.path("events").asLong(), b.path("delivered").asLong(),
                    "every burst event delivered to the 10 sessions of its LOB: " + run);
            assertTrue(b.path("deliveredPerRelayCpuSecond").asDouble() > 0, "msg per CPU-s: " + run);
            assertEquals(0, run.path("closedByServer").asInt() + run.path("errorFrames").asInt(), "clean run: " + run);
        }
        JsonNode readCost = r.path("readCost").path("modes").path("default");
        assertTrue(readCost.path("producedPerSecond").asDouble() > 0 && readCost.path("cores").isNumber()
                && readCost.path("cpuMicrosPerEvent").isNumber(), "read cost measured: " + readCost);
        assertEquals(6, readCost.path("partitionsRead").asInt(), "the lone node reads the whole topic: " + readCost);
        assertTrue(r.path("machine").path("cpuLayout").asText().length() > 3, "CPU layout recorded");
        JsonNode receipts = r.path("receiptCost");
        for (String run : new String[]{"receiptsOn", "receiptsOff"}) {
            assertEquals(receipts.path(run).path("events").asLong(), receipts.path(run).path("delivered").asLong(),
                    "every burst event delivered with " + run + ": " + receipts);
        }
        assertTrue(receipts.path("microsPerEventOn").asDouble() > 0 && receipts.path("microsPerEventOff").asDouble() > 0
                && receipts.path("microsPerEventDifference").isNumber(), "receipt cost measured: " + receipts);

        JsonNode raw = r.path("raw");
        assertTrue(raw.path("plain").path("recordsPerSecond").asDouble() > 0, "raw consumer rate");
        assertTrue(raw.path("withDecode").path("accepted").asLong() > 0, "raw + decode accepted records");

        JsonNode points = r.path("memory").path("points");
        assertEquals(2, points.size());
        for (JsonNode p : points) {
            assertTrue(p.path("heapAfterGcKb").asLong() > 0 && p.path("rssKb").asLong() > 0, "memory figures: " + p);
            assertTrue(p.path("heapBytesPerSession").isNumber() && p.path("rssBytesPerSession").isNumber());
        }
        assertEquals(300, r.path("memory").path("maxSessionsHeld").asInt());
        JsonNode check = r.path("memory").path("deliveryCheck");
        assertEquals(check.path("sent").asLong(), check.path("delivered").asLong(), "idle sessions still deliver");

        JsonNode summary = r.path("summary");
        for (String field : new String[]{"rawRecordsPerSecond", "relayMaxSustainedPerSecond",
                "relayBurstDeliveredPerSecond", "ratioRelayToRaw", "latencyMs", "deliveredPerRelayCpuSecondAtMax",
                "heapBytesPerIdleSessionWorst", "maxSessionsHeld", "ratioRelayToFloorMsgPerCpuSecondAtMax",
                "ratioRelayToFloorMsgPerCpuSecondAtLatencyRate", "ratioRelayToFloorP99", "latencySpread",
                "idleCoresPer10kSessions", "floorIdleCoresPer10kSessions", "idleEarlyCoresPer10kSessions",
                "ratioRelayToFloorFanout", "fanoutDeliveredPerRelayCpuSecond", "ratioSocketIoToWs",
                "floorIdleEarlyCoresPer10kSessions", "readCostCores"}) {
            assertNotNull(summary.get(field), "summary." + field);
        }
        for (String label : new String[]{"raw KafkaConsumer", "relay max sustained", "ratio relay/raw", "latency at",
                "msg per CPU-s at max (burst): relay / floor", "ratio relay/floor, msg per CPU-s at max",
                "ratio relay/floor, p99", "floor at the same rate", "runs within", "idle cores per 10,000 sessions",
                "right after the subscribes", "fan-out 10 (LOB-wide /v1/ws)", "ratio relay/floor, msg per CPU-s at fan-out",
                "Socket.IO path", "ratio socket.io / ws",
                "serve-anywhere read cost", "receipts: relay CPU per delivered event", "idle session @",
                "concurrent sessions", "resume: catch up"}) {
            assertTrue(table.contains(label), "table row '" + label + "'");
        }
    }
}
