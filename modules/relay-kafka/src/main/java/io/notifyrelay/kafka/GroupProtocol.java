package io.notifyrelay.kafka;

/** The consumer group protocol: the classic one, or the broker-driven KIP-848 protocol of Kafka 4.x. */
public enum GroupProtocol {
    CLASSIC("classic"),
    CONSUMER("consumer");

    private final String configValue;

    GroupProtocol(String configValue) {
        this.configValue = configValue;
    }

    /** The value of the consumer's {@code group.protocol} property. */
    public String configValue() {
        return configValue;
    }
}
