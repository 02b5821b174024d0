package io.notifyrelay.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP/HTTP endpoint that accepts and counts trace exports, so --tracing on measures the relay's whole cost of
 * tracing (spans, batching, protobuf, HTTP) without a collector on the machine.
 */
final class TraceSink implements AutoCloseable {

    private final HttpServer server;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    private TraceSink(HttpServer server) {
        this.server = server;
    }

    static TraceSink start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            TraceSink sink = new TraceSink(server);
            server.createContext("/v1/traces", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    sink.bytes.addAndGet(body.transferTo(java.io.OutputStream.nullOutputStream()));
                }
                sink.requests.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return sink;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("requests", requests.get());
        summary.put("bytes", bytes.get());
        return summary;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
