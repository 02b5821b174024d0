package io.notifyrelay.publisher;

import io.notifyrelay.core.TraceHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The trace a notification travels in. With an OpenTelemetry SDK, a PRODUCER span per notification, a child of the
 * caller's current span; without one (the no-op API), the caller's current trace is continued as it is; with no
 * trace at all, a new one is started (random W3C ids), so the relay and the front-end can still follow it. The
 * context goes out as the CloudEvents distributed-tracing extension, {@code ce_traceparent} / {@code ce_tracestate}.
 */
final class PublishTracing {

    private static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    private final Tracer tracer;
    private final String topic;

    PublishTracing(OpenTelemetry openTelemetry, String topic) {
        this.tracer = openTelemetry.getTracer("io.notifyrelay.publisher");
        this.topic = topic;
    }

    /** One notification's trace: the headers to send and the span to end when Kafka answered. */
    record Publication(Span span, Map<String, String> headers, String traceparent) {
        void end(Exception failure) {
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.toString());
            }
            span.end();
        }
    }

    Publication start(String eventId) {
        Span span = tracer.spanBuilder(topic + " publish").setSpanKind(SpanKind.PRODUCER)
                .setParent(Context.current()).setAttribute(MESSAGING_SYSTEM, "kafka").setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, "send").setAttribute(MESSAGE_ID, eventId).startSpan();
        Context context = span.getSpanContext().isValid() ? Context.current().with(span)
                : Context.root().with(Span.wrap(newTrace()));
        Map<String, String> w3c = new LinkedHashMap<>();
        W3CTraceContextPropagator.getInstance().inject(context, w3c, Map::put);
        Map<String, String> headers = new LinkedHashMap<>();
        String traceparent = w3c.get(TraceHeaders.TRACEPARENT);
        headers.put(TraceHeaders.CE_TRACEPARENT, traceparent);
        String tracestate = w3c.get(TraceHeaders.TRACESTATE);
        if (tracestate != null && !tracestate.isEmpty()) {
            headers.put(TraceHeaders.CE_TRACESTATE, tracestate);
        }
        return new Publication(span, headers, traceparent);
    }

    private static SpanContext newTrace() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String traceId;
        do {
            traceId = TraceId.fromLongs(random.nextLong(), random.nextLong());
        } while (!TraceId.isValid(traceId));
        String spanId;
        do {
            spanId = SpanId.fromLong(random.nextLong());
        } while (!SpanId.isValid(spanId));
        return SpanContext.create(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
    }
}
