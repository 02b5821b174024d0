package io.notifyrelay.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What idle sessions cost a server (heartbeats, timers, the poll loop with nothing to read), measured twice: an
 * early window right after the subscribes, which still pays for their JIT and GC work (0.4 cores where the settled
 * figure is 0.1-0.2), and a settled one: after {@code --idle-settle} seconds, windows follow until two in a row
 * agree, and the last of them is the figure (issue 17).
 */
final class IdleProbe {

    /** Two windows agree within this share of the larger one, or this many cores. */
    private static final double AGREE_SHARE = 0.2;
    private static final double AGREE_CORES = 0.01;
    private static final int MAX_EXTRA_WINDOWS = 4;

    /**
     * @param earlyCores   cores over the window right after the subscribes
     * @param cores        cores over the settled window
     * @param settleSeconds seconds from the subscribes to the start of the settled window
     * @param windows      every window measured after the settle, cores
     * @param agreed       whether two consecutive windows agreed (false: the last window, unsettled)
     */
    record IdleCost(double earlyCores, double cores, double settleSeconds, List<Double> windows, boolean agreed) {
    }

    private IdleProbe() {
    }

    static IdleCost measure(RelayProcess server, BenchOptions o) {
        long t0 = System.nanoTime();
        WsLoadClient.sleep(2000); // let the connection storm's last frames and tasks finish
        double early = cores(server, 4000);
        long settleUntil = t0 + (long) (o.idleSettleSeconds * 1e9);
        long wait = (settleUntil - System.nanoTime()) / 1_000_000;
        if (wait > 0) {
            WsLoadClient.sleep(wait);
        }
        long windowMillis = (long) (o.idleWindowSeconds * 1000);
        List<Double> windows = new ArrayList<>();
        double settledAt = (System.nanoTime() - t0) / 1e9;
        windows.add(cores(server, windowMillis));
        boolean agreed = false;
        for (int i = 0; i < MAX_EXTRA_WINDOWS && !agreed; i++) {
            settledAt = (System.nanoTime() - t0) / 1e9;
            windows.add(cores(server, windowMillis));
            agreed = agree(windows.get(windows.size() - 2), windows.get(windows.size() - 1));
        }
        List<Double> rounded = windows.stream().map(Round::r3).toList();
        return new IdleCost(Round.r3(early), Round.r3(windows.get(windows.size() - 1)), Round.r1(settledAt), rounded,
                agreed);
    }

    static boolean agree(double a, double b) {
        return Math.abs(a - b) <= Math.max(AGREE_CORES, AGREE_SHARE * Math.max(a, b));
    }

    /** Cores the server used over {@code millis}. */
    static double cores(RelayProcess server, long millis) {
        double cpu0 = server.cpuSeconds();
        long t0 = System.nanoTime();
        WsLoadClient.sleep(millis);
        return (server.cpuSeconds() - cpu0) / ((System.nanoTime() - t0) / 1e9);
    }
}
