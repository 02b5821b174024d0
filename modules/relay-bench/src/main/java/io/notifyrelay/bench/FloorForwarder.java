package io.notifyrelay.bench;

import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The floor of this stack (issue 17): the thinnest forwarder from Kafka to WebSocket it allows. One
 * {@link KafkaConsumer} reads every partition from the live end (as a serve-anywhere node does, with the relay's
 * fetch settings) and hands each record's bytes, wrapped as {@code {"type":"event","notification":...}}, to an
 * Undertow WebSocket send for the sessions subscribed to the record's key, and for a session that subscribed
 * without contacts (LOB-wide, the fan-out phase), for every session of the record's {@code ce_lobid} header, the
 * LOB read unverified from its token. No token check, no validation, no cursors, no resume, no limits: what is left is the Kafka client, Undertow and the sockets,
 * which the relay cannot do without. The bench measures it with the same load as the relay; relay / floor is
 * the share of the possible the relay reaches. Reads the relay's RELAY_* environment; run by the bench only.
 */
public final class FloorForwarder {

    /** The relay's fetch window (relay-kafka FetchPacing.DEFAULT_WINDOW). */
    private static final long PACING_NANOS = 1_000_000;

    private static final Pattern CONTACT = Pattern.compile("\"([^\"]+)\"");
    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"[^.\"]*\\.([^.\"]*)\\.");
    private static final Pattern LOB = Pattern.compile("\"lob\"\\s*:\\s*\"([^\"]+)\"");
    private static final byte[] PREFIX = "{\"type\":\"event\",\"notification\":".getBytes(StandardCharsets.US_ASCII);

    private final Map<String, Set<WebSocketChannel>> sessions = new ConcurrentHashMap<>();
    /** LOB-wide sessions by LOB. */
    private final Map<String, Set<WebSocketChannel>> lobSessions = new ConcurrentHashMap<>();
    private volatile boolean ready;

    private FloorForwarder() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        new FloorForwarder().run(Integer.parseInt(env.getOrDefault("RELAY_HTTP_PORT", "8080")),
                env.get("RELAY_KAFKA_BOOTSTRAP_SERVERS"), env.get("RELAY_TOPIC"));
    }

    private void run(int port, String bootstrap, String topic) {
        Undertow.builder().addHttpListener(port, "0.0.0.0")
                .setHandler(Handlers.path()
                        .addExactPath("/v1/ws", Handlers.websocket((exchange, channel) -> {
                            channel.getReceiveSetter().set(new Listener());
                            channel.resumeReceives();
                        }))
                        .addExactPath("/health/ready", exchange -> {
                            exchange.setStatusCode(ready ? 200 : 503);
                            exchange.getResponseSender().send(ready ? "{\"ready\":true}" : "{\"ready\":false}");
                        }))
                .build().start();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // the relay's fetch settings (RelayConsumer.consumerConfig) and its batching (FetchPacing, below)
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-floor");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the live end now, not at the first poll
            ready = true;
            long lastRecordsAt = 0;
            while (true) {
                if (lastRecordsAt != 0) { // as the relay's loops: after records, let a 1 ms window fill
                    long left = lastRecordsAt + PACING_NANOS - System.nanoTime();
                    if (left > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(left);
                    }
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                lastRecordsAt = records.isEmpty() ? 0 : System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    forward(record);
                }
            }
        }
    }

    private void forward(ConsumerRecord<byte[], byte[]> record) {
        Set<WebSocketChannel> to = record.key() == null ? null
                : sessions.get(new String(record.key(), StandardCharsets.US_ASCII));
        Set<WebSocketChannel> lobWide = null;
        if (!lobSessions.isEmpty()) {
            Header lob = record.headers().lastHeader("ce_lobid");
            lobWide = lob == null ? null : lobSessions.get(new String(lob.value(), StandardCharsets.UTF_8));
        }
        if (to == null && lobWide == null) {
            return;
        }
        byte[] value = record.value();
        byte[] frame = new byte[PREFIX.length + value.length + 1];
        System.arraycopy(PREFIX, 0, frame, 0, PREFIX.length);
        System.arraycopy(value, 0, frame, PREFIX.length, value.length);
        frame[frame.length - 1] = '}';
        send(frame, to);
        send(frame, lobWide);
    }

    private static void send(byte[] frame, Set<WebSocketChannel> to) {
        if (to != null) {
            for (WebSocketChannel channel : to) {
                WebSockets.sendText(ByteBuffer.wrap(frame), channel, null);
            }
        }
    }

    private static void register(Map<String, Set<WebSocketChannel>> map, String key, WebSocketChannel channel) {
        map.computeIfAbsent(key, c -> ConcurrentHashMap.newKeySet()).add(channel);
        channel.addCloseTask(ch -> map.computeIfPresent(key, (c, set) -> {
            set.remove(ch);
            return set.isEmpty() ? null : set;
        }));
    }

    /** The {@code lob} claim of the auth frame's token, read without checking the signature; null if none. */
    static String lobOf(String authFrame) {
        Matcher token = TOKEN.matcher(authFrame);
        if (!token.find()) {
            return null;
        }
        Matcher lob = LOB.matcher(new String(Base64.getUrlDecoder().decode(token.group(1)), StandardCharsets.UTF_8));
        return lob.find() ? lob.group(1) : null;
    }

    /**
     * {@code auth} gets {@code welcome}; {@code subscribe} registers the contacts, or without contacts the token's
     * LOB, and gets {@code subscribed}.
     */
    private final class Listener extends AbstractReceiveListener {
        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
            String text = message.getData();
            if (text.contains("\"auth\"")) {
                channel.setAttribute("lob", lobOf(text));
                WebSockets.sendText("{\"type\":\"welcome\"}", channel, null);
            } else if (text.contains("\"subscribe\"")) {
                if (!text.contains("\"contacts\"")) {
                    register(lobSessions, String.valueOf(channel.getAttribute("lob")), channel);
                } else {
                    int open = text.indexOf('[', text.indexOf("\"contacts\""));
                    Matcher m = CONTACT.matcher(text.substring(open + 1, text.indexOf(']', open)));
                    while (m.find()) {
                        register(sessions, m.group(1), channel);
                    }
                }
                WebSockets.sendText("{\"type\":\"subscribed\"}", channel, null);
            }
        }
    }
}
