package org.vmm4j.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The median of per-pair ratios with two 95% confidence intervals: the distribution-free order-statistic
 * interval for a median (the ranks a binomial(n, 1/2) puts outside with at most 2.5% on each side) and
 * a percentile bootstrap of the median (fixed seed, so a report is reproducible from its raw pairs).
 *
 * @param median       the sample median
 * @param low          the order-statistic interval's lower end
 * @param high         the order-statistic interval's upper end
 * @param coverage     the order-statistic interval's exact coverage (at least 0.95 when {@code n >= 6})
 * @param bootstrapLow the bootstrap interval's lower end
 * @param bootstrapHigh the bootstrap interval's upper end
 * @param n            the number of ratios
 */
record PairedRatio(
        double median, double low, double high, double coverage, double bootstrapLow, double bootstrapHigh, int n) {
    private static final int RESAMPLES = 10_000;

    static PairedRatio of(double[] ratios) {
        int n = ratios.length;
        if (n == 0) {
            throw new IllegalArgumentException("no ratios");
        }
        for (double r : ratios) {
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("not a ratio: " + r + " in " + Arrays.toString(ratios));
            }
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        // [x(r), x(n+1-r)] (1-based) misses the median when fewer than r values fall below it (or above):
        // coverage 1 - 2 P(B <= r-1), B ~ binomial(n, 1/2). Take the largest r with P(B <= r-1) <= 0.025;
        // below n = 6 none qualifies and the interval is the whole range.
        int r = 1;
        double cdf = Math.pow(0.5, n); // P(B <= r-1)
        double pmf = cdf; // P(B = r-1)
        while (r < (n + 1) / 2) {
            double next = pmf * (n - (r - 1)) / r; // P(B = r)
            if (cdf + next > 0.025) {
                break;
            }
            pmf = next;
            cdf += next;
            r++;
        }
        double coverage = 1 - 2 * cdf;
        double low = sorted[r - 1];
        double high = sorted[n - r];

        SplittableRandom random = new SplittableRandom(0x5eed);
        double[] medians = new double[RESAMPLES];
        double[] sample = new double[n];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                sample[i] = ratios[random.nextInt(n)];
            }
            Arrays.sort(sample);
            medians[b] = median(sample);
        }
        Arrays.sort(medians);
        return new PairedRatio(
                median(sorted),
                low,
                high,
                coverage,
                medians[(int) (RESAMPLES * 0.025)],
                medians[(int) (RESAMPLES * 0.975) - 1],
                n);
    }

    /** The median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
