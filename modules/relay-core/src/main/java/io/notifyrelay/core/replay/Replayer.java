package io.notifyrelay.core.replay;

import java.util.Set;

/** Brings a resuming session up to date and hands it over to the live stream without gap or duplicate. */
public interface Replayer {

    /**
     * Starts a resume; the returned handle cancels it when the session goes away (queued reads are dropped,
     * running ones stop at their next batch, and {@link ResumeTarget#finish} is then not called).
     */
    Resume resume(ResumeRequest request, ResumeTarget target);

    /** A resume in flight. */
    @FunctionalInterface
    interface Resume {
        void cancel();

        Resume DONE = () -> { };
    }

    /** For nodes that cannot replay: live only, and the client is told so. */
    Replayer LIVE_ONLY = (request, target) -> {
        target.goLive(Set.of());
        target.finish(false, "resume_unavailable");
        return Resume.DONE;
    };
}
