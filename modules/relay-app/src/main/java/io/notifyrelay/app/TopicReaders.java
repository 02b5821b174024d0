package io.notifyrelay.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.notifyrelay.core.EnvelopeDecoder;
import io.notifyrelay.kafka.ConsumerFactory;
import io.notifyrelay.kafka.ConsumerSettings;
import io.notifyrelay.kafka.GroupProtocol;
import io.notifyrelay.kafka.PartitionListener;
import io.notifyrelay.kafka.RecordHandler;
import io.notifyrelay.kafka.RelayConsumer;
import io.notifyrelay.kafka.RelayMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A node's consumers of the topic. In owner mode one member of the relay's group delivers its share and does
 * the group duties. In anywhere mode a delivery reader assigns every partition (no group, nothing committed) and
 * feeds the local sessions, while a separate member of the group does the duties that must happen once per
 * record for the cluster: its committed offsets and lag are the deployment's progress, its bad records the only
 * dead-lettered copies.
 */
final class TopicReaders {

    /** The client id of the delivery reader; it is no group member, so it advertises nothing. */
    static final String READER_CLIENT_ID = "notify-relay-reader";

    private final NodeMode mode;
    private final RelayConsumer delivery;
    private final RelayConsumer group;
    /** Anywhere mode only. */
    private final DutyHandover handover;

    /**
     * @param deliver       the delivery handler; in owner mode it must call the duties itself, in anywhere mode
     *                      those of the partitions {@code handover} gave it
     * @param handover      anywhere mode: how the group member hands its partitions' duties to the delivery reader
     * @param ownership     told of the delivery reader's partitions (sessions follow them)
     * @param groupListener told of the group member's partitions in anywhere mode (routes)
     * @param registry      receives the group member's metrics: lag and rebalances are the deployment's
     */
    TopicReaders(NodeMode mode, RelayConfig config, String groupClientId, ConsumerFactory factory,
                 EnvelopeDecoder decoder, RecordHandler deliver, GroupDuties duties, DutyHandover handover,
                 PartitionListener ownership,
                 PartitionListener groupListener, MeterRegistry registry) {
        this.mode = mode;
        this.handover = handover;
        ConsumerSettings member = settings(config, groupClientId, RelayMode.GROUP);
        if (mode == NodeMode.OWNER) {
            this.delivery = new RelayConsumer(member, factory, decoder, deliver, ownership, registry);
            this.group = delivery;
        } else {
            // its lag would duplicate the group's series per node: kept out of /metrics
            this.delivery = new RelayConsumer(settings(config, READER_CLIENT_ID, RelayMode.BROADCAST), factory,
                    decoder, deliver, ownership);
            // it stops reading the partitions whose duties the delivery reader takes over (DutyHandover)
            this.group = new RelayConsumer(unhurried(member), factory, decoder, duties, groupListener, registry,
                    handover);
        }
    }

    /**
     * The duties wait for no session: the member's fetches ask the broker for 64 KB or 100 ms of records instead of
     * answering at the first byte as delivery must, so a busy topic costs it few fetches. An operator's own value
     * wins.
     */
    private static ConsumerSettings unhurried(ConsumerSettings member) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("fetch.min.bytes", "65536");
        properties.put("fetch.max.wait.ms", "100");
        properties.putAll(member.clientProperties());
        return new ConsumerSettings(member.bootstrapServers(), member.topic(), member.groupId(), member.groupProtocol(),
                member.groupInstanceId(), member.pollTimeout(), properties, member.mode(), member.clientId(),
                member.metadataRefresh());
    }

    /** How a consumer (or admin client, dead-letter producer …) of this node reaches the topic. */
    static ConsumerSettings settings(RelayConfig config, String clientId, RelayMode reading) {
        RelayConfig.Kafka kafka = config.kafka();
        return new ConsumerSettings(kafka.bootstrapServers(), kafka.topic(), kafka.groupId(),
                GroupProtocol.valueOf(kafka.groupProtocol().toUpperCase(Locale.ROOT)), kafka.groupInstanceId(),
                Duration.ofMillis(500), kafka.properties(), reading, clientId, kafka.metadataRefresh());
    }

    /** The consumer whose records reach this node's sessions; the resume seam runs on its loop. */
    RelayConsumer delivery() {
        return delivery;
    }

    /** The member of the relay's consumer group (the delivery consumer itself in owner mode). */
    RelayConsumer group() {
        return group;
    }

    void start() {
        delivery.start();
        if (group != delivery) {
            group.start();
        }
    }

    /** Sessions are served once the delivery loop runs; the group member may own nothing (more nodes than partitions). */
    boolean isReady() {
        return delivery.isReady();
    }

    /** Either loop dead of an error it cannot recover from is a node to restart. */
    boolean isAlive() {
        return delivery.isAlive() && group.isAlive();
    }

    void refreshMetrics() {
        group.refreshMetrics();
    }

    /** The loops' states for /health/ready. */
    Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("consumer", delivery.state().name());
        if (group != delivery) {
            details.put("groupConsumer", group.state().name());
            details.put("groupPartitions", new java.util.TreeSet<>(group.ownedPartitions()));
            // of those, the ones whose duties the delivery reader does (the member stopped reading them)
            details.put("groupPartitionsHandedOver", handover.handedOverPartitions());
        }
        return details;
    }

    /** The group member first, so its partitions move while the reader still drains. */
    void close(Duration timeout) {
        if (group != delivery) {
            group.close(timeout);
        }
        delivery.close(timeout);
    }

    NodeMode mode() {
        return mode;
    }
}
