package io.notifyrelay.core.receipt;

/**
 * Where receipts go. {@link #offer} is called on delivery paths (the consumer thread, I/O threads): it must
 * never block nor throw; a sink that cannot keep up drops and counts.
 */
@FunctionalInterface
public interface ReceiptSink {

    /** Receipts turned off ({@code RELAY_RECEIPTS_TOPIC=none}). */
    ReceiptSink NONE = receipt -> {
    };

    void offer(Receipt receipt);
}
