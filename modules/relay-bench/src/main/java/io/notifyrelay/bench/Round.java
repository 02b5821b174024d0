package io.notifyrelay.bench;

/** Rounding for the JSON and the table: figures with more digits than the measurement has are noise. */
final class Round {

    private Round() {
    }

    static double r1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double r2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double r3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
