package io.notifyrelay.kafka;

/**
 * The facts about the topic the relay needs before it starts: partition count (to place contacts) and
 * the topic id, whose prefix becomes the cursor epoch so a recreated topic invalidates old cursors.
 */
public record TopicMetadata(String name, String topicId, int partitionCount) {

    public String epoch() {
        return topicId.length() <= 8 ? topicId : topicId.substring(0, 8);
    }
}
