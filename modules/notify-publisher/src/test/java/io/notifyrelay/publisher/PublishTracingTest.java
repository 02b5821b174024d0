package io.notifyrelay.publisher;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher starts or continues a trace and sends it as ce_traceparent. */
class PublishTracingTest {

    private static final String CONTACT = "843adb07-c0f3-4ad2-b08a-7680fe7eed8f";
    private static final SpanContext CALLER = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());

    @AfterEach
    void close() {
        producer.close();
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void startsANewTraceForEachNotificationWhenThereIsNone() {
        NotifyPublisher publisher = NotifyPublisher.builder().producer(producer).build();
        PublishResult first = publisher.publish("lob-faber", CONTACT, Examples.valid("connection-accepted"));
        PublishResult second = publisher.publish("lob-faber", CONTACT, Examples.valid("connection-accepted"));
        String sent = header(producer.history().get(0), "ce_traceparent");
        assertTrue(sent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), sent);
        assertEquals(first.traceparent(), sent);
        assertNotEquals(first.traceparent().substring(3, 35), second.traceparent().substring(3, 35), "a trace each");
    }

    @Test
    void continuesTheCallersTraceWithTheApiAlone() {
        NotifyPublisher publisher = NotifyPublisher.builder().producer(producer).build();
        try (Scope ignored = Context.root().with(Span.wrap(CALLER)).makeCurrent()) {
            publisher.publish("lob-faber", CONTACT, Examples.valid("connection-accepted"));
        }
        assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                header(producer.history().get(0), "ce_traceparent"));
    }

    @Test
    void makesAProducerSpanWithAnSdk() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build()) {
            NotifyPublisher publisher = NotifyPublisher.builder().producer(producer).openTelemetry(sdk).build();
            try (Scope ignored = Context.root().with(Span.wrap(CALLER)).makeCurrent()) {
                publisher.publish("lob-faber", CONTACT, Examples.valid("connection-accepted"));
            }
            List<SpanData> spans = exporter.getFinishedSpanItems();
            assertEquals(1, spans.size(), spans.toString());
            SpanData span = spans.get(0);
            assertEquals(SpanKind.PRODUCER, span.getKind());
            assertEquals("notify.events publish", span.getName());
            assertEquals(CALLER.getTraceId(), span.getTraceId());
            assertEquals(CALLER.getSpanId(), span.getParentSpanId());
            assertEquals("00-" + CALLER.getTraceId() + "-" + span.getSpanId() + "-01",
                    header(producer.history().get(0), "ce_traceparent"), "the relay continues from the producer span");
        }
    }
}
