package io.notifyrelay.core.replay;

import java.util.Set;

/** Brings a resuming session up to date and hands it over to the live stream without gap or duplicate. */
public interface Replayer {

    void resume(ResumeRequest request, ResumeTarget target);

    /** For nodes that cannot replay: live only, and the client is told so. */
    Replayer LIVE_ONLY = (request, target) -> {
        target.goLive(Set.of());
        target.finish(false, "resume_unavailable");
    };
}
