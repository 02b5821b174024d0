package io.notifyrelay.core;

/**
 * Names of the CloudEvents 1.0 Kafka protocol binding attributes used by the notification envelope.
 *
 * <p>Binary mode carries the attributes as record headers ({@code ce_*}) and the notification as the
 * record value. Structured mode carries everything in one JSON object whose {@code data} member is the
 * notification, announced by {@link #STRUCTURED_CONTENT_TYPE}.
 */
public final class CloudEventHeaders {
    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    /** Extension attribute naming the LOB that must receive the event. Required. */
    public static final String LOB_ID = "ce_lobid";
    /** CloudEvents Expiry Time extension (RFC 3339): past it the event is sent to no session. Optional. */
    public static final String EXPIRY_TIME = "ce_expirytime";
    public static final String CONTENT_TYPE = "content-type";

    public static final String SPEC_VERSION_1_0 = "1.0";
    public static final String JSON_CONTENT_TYPE = "application/json";
    public static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";

    /** Default topic the Notify API publishes to. */
    public static final String DEFAULT_TOPIC = "notify.events";

    private CloudEventHeaders() {
    }
}
