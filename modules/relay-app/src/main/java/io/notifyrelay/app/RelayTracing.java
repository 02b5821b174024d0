package io.notifyrelay.app;

import io.notifyrelay.core.RelayEvent;
import io.notifyrelay.core.TraceHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.slf4j.MDC;

/**
 * The relay's spans, with the OpenTelemetry API: one per delivery batch (a poll's records, CONSUMER "receive")
 * and one per relayed event (CONSUMER "process"), the latter a child of the producer's span when the record
 * carried a W3C traceparent ({@code ce_traceparent} or {@code traceparent}), linked to its batch. The event
 * frame then offers the relay span's traceparent, so a front-end continues the same trace, and log lines
 * written while an event is relayed carry {@code trace_id} and {@code span_id} (MDC).
 *
 * <p>Off (the default: {@code OTEL_TRACES_EXPORTER} unset or none) no SDK is created and the hot path only
 * checks a boolean; a producer's traceparent is still passed on to clients and put in the MDC.
 */
public final class RelayTracing implements AutoCloseable {

    static final String TRACE_ID = "trace_id";
    static final String SPAN_ID = "span_id";

    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    private static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    private static final AttributeKey<String> LOB = AttributeKey.stringKey("notify.lob_id");
    private static final AttributeKey<Long> RECIPIENTS = AttributeKey.longKey("notify.recipients");

    private static final TextMapGetter<RelayEvent> EVENT_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RelayEvent event) {
            return List.of(TraceHeaders.TRACEPARENT, TraceHeaders.TRACESTATE);
        }

        @Override
        public String get(RelayEvent event, String key) {
            if (event == null) {
                return null;
            }
            return switch (key) {
                case TraceHeaders.TRACEPARENT -> event.traceparent();
                case TraceHeaders.TRACESTATE -> event.tracestate();
                default -> null;
            };
        }
    };

    private static final RelayTracing OFF = new RelayTracing(null, null, null);

    /** Null when off. */
    private final Tracer tracer;
    private final String topic;
    private final AutoCloseable sdk;

    private RelayTracing(Tracer tracer, String topic, AutoCloseable sdk) {
        this.tracer = tracer;
        this.topic = topic;
        this.sdk = sdk;
    }

    public static RelayTracing off() {
        return OFF;
    }

    /** Tracing with a given OpenTelemetry (e.g. an SDK with an in-memory exporter in a test); not closed by this. */
    public static RelayTracing of(OpenTelemetry openTelemetry, String topic) {
        return new RelayTracing(openTelemetry.getTracer("io.notifyrelay.relay"), topic, null);
    }

    /**
     * From the standard OTEL_* variables, with the relay's defaults where they are not set: service name
     * {@code notify-relay}, OTLP over http/protobuf, no metrics or logs exporter (metrics are at /metrics).
     */
    static RelayTracing create(RelayConfig.Tracing config, String topic) {
        if (!config.enabled()) {
            return OFF;
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", "notify-relay");
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        Map<String, String> configured = new HashMap<>();
        config.otelEnvironment().forEach((name, value) ->
                configured.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value));
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults)
                .addPropertiesCustomizer(properties -> configured)
                .disableShutdownHook() // the node flushes it on close, after its consumer stopped
                .build().getOpenTelemetrySdk();
        return new RelayTracing(sdk.getTracer("io.notifyrelay.relay"), topic, sdk);
    }

    public boolean enabled() {
        return tracer != null;
    }

    /** Runs one poll's records inside a "receive" span. */
    void batch(int records, Runnable handleAll) {
        if (tracer == null) {
            handleAll.run();
            return;
        }
        Span span = tracer.spanBuilder(topic + " receive").setSpanKind(SpanKind.CONSUMER).setNoParent()
                .setAttribute(MESSAGING_SYSTEM, "kafka").setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, "receive").setAttribute(BATCH_COUNT, (long) records).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            handleAll.run();
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.toString());
            throw e;
        } finally {
            span.end();
        }
    }

    /**
     * Relays one event: in a "process" span continuing the producer's trace when tracing is on, with the trace
     * id in the MDC either way when there is one. {@code relay} gets the event to deliver (carrying the relay
     * span's traceparent when tracing is on) and returns how many sessions got it.
     */
    void process(RelayEvent event, ToIntFunction<RelayEvent> relay) {
        if (tracer == null) {
            String traceparent = event.traceparent();
            if (traceparent == null) {
                relay.applyAsInt(event);
                return;
            }
            MDC.put(TRACE_ID, TraceHeaders.traceId(traceparent));
            try {
                relay.applyAsInt(event);
            } finally {
                MDC.remove(TRACE_ID);
            }
            return;
        }
        Context producer = event.traceparent() == null ? null
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), event, EVENT_HEADERS);
        Span batch = Span.current();
        var builder = tracer.spanBuilder(topic + " process").setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "kafka").setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, "process").setAttribute(MESSAGE_ID, event.eventId())
                .setAttribute(PARTITION, Integer.toString(event.partition())).setAttribute(OFFSET, event.offset())
                .setAttribute(LOB, event.lobId());
        if (producer != null && Span.fromContext(producer).getSpanContext().isValid()) {
            builder.setParent(producer);
            if (batch.getSpanContext().isValid()) {
                builder.addLink(batch.getSpanContext());
            }
        } else {
            builder.setParent(Context.current()); // no producer trace: a child of the batch
        }
        Span span = builder.startSpan();
        SpanContext context = span.getSpanContext();
        MDC.put(TRACE_ID, context.getTraceId());
        MDC.put(SPAN_ID, context.getSpanId());
        try (Scope ignored = span.makeCurrent()) {
            RelayEvent traced = context.isValid() ? event.withTraceparent(traceparent(context),
                    context.getTraceState().isEmpty() ? null : event.tracestate()) : event;
            span.setAttribute(RECIPIENTS, (long) relay.applyAsInt(traced));
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.toString());
            throw e;
        } finally {
            span.end();
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        }
    }

    /** Runs {@code work} with the trace id of the record's producer, if it sent one, in the MDC (for its log lines). */
    static void withProducerTrace(Map<String, byte[]> headers, Runnable work) {
        String traceparent = TraceHeaders.traceparent(headers);
        if (traceparent == null) {
            work.run();
            return;
        }
        MDC.put(TRACE_ID, TraceHeaders.traceId(traceparent));
        try {
            work.run();
        } finally {
            MDC.remove(TRACE_ID);
        }
    }

    private static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + '-' + context.getSpanId() + '-' + context.getTraceFlags().asHex();
    }

    /** Exports what is buffered and stops the SDK (when this created one). */
    @Override
    public void close() {
        if (sdk != null) {
            try {
                sdk.close();
            } catch (Exception e) {
                // nothing more to do at shutdown: spans not exported are lost
            }
        }
    }
}
