package io.notifyrelay.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.LinkedHashMap;
import java.util.Map;

/** Builds {@link InboundRecord}s for decoder tests: a valid binary-mode notification unless told otherwise. */
final class TestRecord {

    static final String TOPIC = "notify.events";
    static final int PARTITION = 3;
    static final long OFFSET = 42L;
    static final long TIMESTAMP = 1_700_000_000_123L;

    static final String NOTIFICATION = "{\"payloadType\":\"CONNECTION_RESPONSE\","
            + "\"payload\":{\"connectionId\":\"conn-1\",\"state\":\"active\"}}";

    private String topic = TOPIC;
    private int partition = PARTITION;
    private long offset = OFFSET;
    private long timestamp = TIMESTAMP;
    private byte[] key = "contact-1".getBytes(UTF_8);
    private final Map<String, byte[]> headers = new LinkedHashMap<>();
    private byte[] value;

    private TestRecord() {
    }

    /** A binary-mode record carrying every CloudEvents header and {@code value} as the notification. */
    static TestRecord binary(String value) {
        return new TestRecord()
                .header(CloudEventHeaders.SPEC_VERSION, "1.0")
                .header(CloudEventHeaders.ID, "evt-1")
                .header(CloudEventHeaders.SOURCE, "/notify-api")
                .header(CloudEventHeaders.TYPE, "notify.connection-response")
                .header(CloudEventHeaders.TIME, "2025-01-02T03:04:05Z")
                .header(CloudEventHeaders.LOB_ID, "lob-a")
                .header(CloudEventHeaders.CONTENT_TYPE, "application/json")
                .value(value);
    }

    static TestRecord binary() {
        return binary(NOTIFICATION);
    }

    /** A record with no headers at all and {@code value} as its value. */
    static TestRecord bare(String value) {
        return new TestRecord().value(value);
    }

    static TestRecord bare(byte[] value) {
        return new TestRecord().value(value);
    }

    TestRecord header(String name, String value) {
        headers.put(name, value.getBytes(UTF_8));
        return this;
    }

    TestRecord header(String name, byte[] value) {
        headers.put(name, value);
        return this;
    }

    TestRecord without(String name) {
        headers.remove(name);
        return this;
    }

    TestRecord key(String key) {
        this.key = key == null ? null : key.getBytes(UTF_8);
        return this;
    }

    TestRecord key(byte[] key) {
        this.key = key;
        return this;
    }

    TestRecord value(String value) {
        this.value = value == null ? null : value.getBytes(UTF_8);
        return this;
    }

    TestRecord value(byte[] value) {
        this.value = value;
        return this;
    }

    TestRecord at(String topic, int partition, long offset) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        return this;
    }

    TestRecord timestamp(long timestamp) {
        this.timestamp = timestamp;
        return this;
    }

    InboundRecord build() {
        return new InboundRecord(topic, partition, offset, timestamp, key, headers, value);
    }
}
