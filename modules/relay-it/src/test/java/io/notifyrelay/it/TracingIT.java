package io.notifyrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.notifyrelay.app.ConfigLoader;
import io.notifyrelay.app.RelayNode;
import io.notifyrelay.app.RelayTracing;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.publisher.NotifyPublisher;
import io.notifyrelay.publisher.PublishResult;
import io.notifyrelay.testkit.KafkaBackend;
import io.notifyrelay.testkit.RealKafka;
import io.notifyrelay.testkit.TestTokens;
import io.notifyrelay.testkit.WsTestClient;
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
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A notification followed from the producer to the browser: the publisher sends the caller's trace as
 * ce_traceparent, the relay (real node, real broker) makes a span that continues it, and the event frame offers
 * that span's traceparent so the front-end can continue the same trace. Then the OTLP path as an operator turns it
 * on, with OTEL_* variables only, against a real HTTP endpoint.
 */
@RealKafka
class TracingIT {

    private static final SpanContext CALLER = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());

    private static WsTestClient session(RelayNode relay, String lob) {
        WsTestClient client = WsTestClient.connect(TestRelays.wsUri(relay));
        client.send("{\"type\":\"auth\",\"token\":\"" + TestTokens.hs256(TestRelays.SECRET).lob(lob).sign() + "\"}");
        client.awaitFrame("welcome");
        client.send("{\"type\":\"subscribe\"}");
        client.awaitFrame("subscribed");
        return client;
    }

    @Test
    void theRelaySpanContinuesTheProducersTraceAndTheFrameCarriesIt(KafkaBackend kafka) {
        String topic = TestRelays.uniqueName("notify.traced");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        String lob = TestRelays.uniqueName("faber");
        String contact = java.util.UUID.randomUUID().toString();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                     .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
             RelayNode relay = startReady(TestRelays.env(kafka, topic, TestRelays.uniqueName("group")),
                     RelayTracing.of(sdk, topic));
             NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic).build();
             WsTestClient client = session(relay, lob)) {
            PublishResult published;
            try (Scope ignored = Context.root().with(Span.wrap(CALLER)).makeCurrent()) {
                published = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            }
            assertEquals("00-" + CALLER.getTraceId() + "-" + CALLER.getSpanId() + "-01", published.traceparent(),
                    "the publisher continues the caller's trace");

            JsonNode event = client.awaitFrame("event");
            await("the relay's span").atMost(Duration.ofSeconds(10)).until(() -> processSpan(exporter, published) != null);
            SpanData span = processSpan(exporter, published);
            assertEquals(CALLER.getTraceId(), span.getTraceId(), "same trace as the producer");
            assertEquals(CALLER.getSpanId(), span.getParentSpanId(), "a child of the producer's span");
            assertEquals(SpanKind.CONSUMER, span.getKind());
            assertEquals("00-" + CALLER.getTraceId() + "-" + span.getSpanId() + "-01", event.path("traceparent").asText(),
                    "the frame offers the relay's span: " + event);
            assertTrue(exporter.getFinishedSpanItems().stream().anyMatch(s -> s.getName().equals(topic + " receive")
                    && s.getSpanId().equals(span.getLinks().get(0).getSpanContext().getSpanId())), "its batch span");
        }
    }

    private static SpanData processSpan(InMemorySpanExporter exporter, PublishResult published) {
        return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().endsWith(" process")
                && published.eventId().equals(s.getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.stringKey("messaging.message.id")))).findFirst().orElse(null);
    }

    private static RelayNode startReady(Map<String, String> env, RelayTracing tracing) {
        RelayNode node = RelayNode.start(ConfigLoader.load(new String[0], env), ConsumerFactory.kafka(), Map.of(), Map.of(),
                tracing);
        await("relay node ready").atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    @Test
    void withOtelTracesExporterOtlpTheSpansGoToTheConfiguredEndpoint(KafkaBackend kafka) throws Exception {
        List<byte[]> exports = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            exchange.getRequestBody().transferTo(body);
            exports.add(body.toByteArray());
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        String topic = TestRelays.uniqueName("notify.otlp");
        kafka.createTopic(topic, TestRelays.PARTITIONS);
        Map<String, String> env = TestRelays.env(kafka, topic, TestRelays.uniqueName("group"));
        env.put("OTEL_TRACES_EXPORTER", "otlp");
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort());
        env.put("OTEL_BSP_SCHEDULE_DELAY", "200"); // export within 0.2 s instead of the default 5 s, to wait less
        String lob = TestRelays.uniqueName("faber");
        String contact = java.util.UUID.randomUUID().toString();
        try (RelayNode relay = TestRelays.startReady(env);
             NotifyPublisher publisher = NotifyPublisher.builder().bootstrapServers(kafka.bootstrapServers())
                     .topic(topic).build();
             WsTestClient client = session(relay, lob)) {
            PublishResult published = publisher.publish(lob, contact, Notifications.connection(contact, "accepted-invitation"));
            JsonNode event = client.awaitFrame("event");
            String traceId = published.traceparent().substring(3, 35);
            assertTrue(event.path("traceparent").asText().startsWith("00-" + traceId + "-"), event.toString());
            byte[] traceIdBytes = HexFormat.of().parseHex(traceId);
            await("an OTLP export with the trace").atMost(Duration.ofSeconds(20))
                    .until(() -> exports.stream().anyMatch(body -> contains(body, traceIdBytes)));
        } finally {
            collector.stop(0);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
