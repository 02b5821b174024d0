package io.notifyrelay.kafka;

/** How the nodes of a deployment share the topic. */
public enum RelayMode {
    /**
     * The nodes form one consumer group; each reads only its partitions and serves only the sessions of
     * contacts on them. Scales out; clients follow {@code moved} and {@code /v1/routes}.
     */
    GROUP,
    /**
     * Every node reads every partition and serves any subscription. For small deployments and clients
     * that cannot follow moves; every node carries the whole topic's load.
     */
    BROADCAST
}
