package io.notifyrelay.core;

/** The outcome of reading one record: an event to relay, or the reason it cannot be relayed. */
public sealed interface DecodeResult {

    record Accepted(RelayEvent event) implements DecodeResult {
    }

    record Rejected(InboundRecord record, RejectReason reason, String detail) implements DecodeResult {
        public String message() {
            return reason + " at " + record.where() + ": " + detail;
        }
    }
}
