package io.notifyrelay.app;

import io.notifyrelay.core.Cursor;
import io.notifyrelay.core.PayloadType;
import io.notifyrelay.core.RelayEvent;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay's spans, with an in-memory exporter: a batch span, an event span continuing the producer's trace. */
class RelayTracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PRODUCER_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PRODUCER_SPAN + "-01";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();

    @AfterEach
    void close() {
        sdk.close();
    }

    private static RelayEvent event(String traceparent) {
        return new RelayEvent("evt-1", "lob-a", "contact-1", PayloadType.CONNECTION_RESPONSE, new Cursor("ep", 3, 42),
                0L, "{}".getBytes(StandardCharsets.UTF_8), traceparent, traceparent == null ? null : "vendor=x");
    }

    @Test
    void anEventSpanContinuesTheProducersTraceAndTheFrameOffersIt() {
        RelayTracing tracing = RelayTracing.of(sdk, "notify.events");
        List<RelayEvent> delivered = new ArrayList<>();
        List<String> mdcTraceIds = new ArrayList<>();
        tracing.batch(1, () -> tracing.process(event(TRACEPARENT), e -> {
            delivered.add(e);
            mdcTraceIds.add(MDC.get("trace_id"));
            return 2;
        }));

        Map<String, SpanData> spans = new java.util.HashMap<>();
        exporter.getFinishedSpanItems().forEach(span -> spans.put(span.getName(), span));
        SpanData process = spans.get("notify.events process");
        SpanData receive = spans.get("notify.events receive");
        assertEquals(TRACE_ID, process.getTraceId());
        assertEquals(PRODUCER_SPAN, process.getParentSpanId(), "the producer's span is the parent");
        assertEquals(SpanKind.CONSUMER, process.getKind());
        assertEquals(2L, process.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("notify.recipients")));
        assertEquals(receive.getSpanId(), process.getLinks().get(0).getSpanContext().getSpanId(), "linked to its batch");
        assertEquals(1L, receive.getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.longKey("messaging.batch.message_count")));

        assertEquals("00-" + TRACE_ID + "-" + process.getSpanId() + "-01", delivered.get(0).traceparent(),
                "the frame offers the relay's span, so the front-end's span is its child");
        assertEquals(List.of(TRACE_ID), mdcTraceIds);
        assertNull(MDC.get("trace_id"), "the MDC is cleared after the event");
    }

    @Test
    void anEventWithoutTraceIsAChildOfItsBatch() {
        RelayTracing tracing = RelayTracing.of(sdk, "notify.events");
        List<RelayEvent> delivered = new ArrayList<>();
        tracing.batch(1, () -> tracing.process(event(null), e -> {
            delivered.add(e);
            return 0;
        }));
        SpanData process = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().endsWith("process")).findFirst().orElseThrow();
        SpanData receive = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getName().endsWith("receive")).findFirst().orElseThrow();
        assertEquals(receive.getSpanId(), process.getParentSpanId());
        assertTrue(delivered.get(0).traceparent().contains(process.getSpanId()));
    }

    @Test
    void offMakesNoSpansAndPassesTheProducersTraceOn() {
        RelayTracing tracing = RelayTracing.create(RelayConfig.Tracing.off(), "notify.events");
        assertFalse(tracing.enabled());
        RelayEvent event = event(TRACEPARENT);
        List<RelayEvent> delivered = new ArrayList<>();
        List<String> mdcTraceIds = new ArrayList<>();
        tracing.batch(1, () -> tracing.process(event, e -> {
            delivered.add(e);
            mdcTraceIds.add(MDC.get("trace_id"));
            return 1;
        }));
        assertSame(event, delivered.get(0), "the event as decoded: the producer's traceparent in the frame");
        assertEquals(List.of(TRACE_ID), mdcTraceIds, "the producer's trace id in the log lines");
        assertTrue(exporter.getFinishedSpanItems().isEmpty());
    }

    @Test
    void otlpIsOnOnlyWhenOtelTracesExporterSaysSo() {
        assertFalse(ConfigLoader.load(new String[0], ConfigLoaderTest.env()).tracing().enabled(), "off by default");
        assertFalse(ConfigLoader.load(new String[0], ConfigLoaderTest.env("OTEL_TRACES_EXPORTER", "none")).tracing()
                .enabled());
        assertTrue(ConfigLoader.load(new String[0], ConfigLoaderTest.env("OTEL_TRACES_EXPORTER", "otlp")).tracing()
                .enabled());
        assertFalse(ConfigLoader.load(new String[0], ConfigLoaderTest.env("OTEL_TRACES_EXPORTER", "otlp",
                "OTEL_SDK_DISABLED", "true")).tracing().enabled());
        String problem = ConfigLoaderTest.problem(ConfigLoaderTest.env("OTEL_TRACES_EXPORTER", "zipkin"),
                "OTEL_TRACES_EXPORTER");
        assertTrue(problem.contains("otlp or none"), problem);
    }

    @Test
    void aRejectedRecordsLogLinesCarryItsProducersTraceId() {
        List<String> seen = new ArrayList<>();
        RelayTracing.withProducerTrace(Map.of("ce_traceparent", TRACEPARENT.getBytes(StandardCharsets.US_ASCII)),
                () -> seen.add(MDC.get("trace_id")));
        RelayTracing.withProducerTrace(Map.of(), () -> seen.add(MDC.get("trace_id")));
        assertEquals(java.util.Arrays.asList(TRACE_ID, null), seen);
        assertNull(MDC.get("trace_id"));
    }
}
