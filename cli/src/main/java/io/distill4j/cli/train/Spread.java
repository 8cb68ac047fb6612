package io.distill4j.cli.train;

import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Mean and sample standard deviation of one quantity over seeds, and, for a paired difference
 * (distilled - alone on the same seed), the 95% confidence interval of its mean from Student's t
 * with n - 1 degrees of freedom. Values are fractions (an accuracy of 0.61); text is in percent points.
 */
public record Spread(int n, double mean, double std, double low, double high) {
    /** The spread of {@code values}; the interval is that of their mean (NaN below two values). */
    public static Spread of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new Spread(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        if (n == 1) {
            return new Spread(1, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(squares / (n - 1));
        double half = new TDistribution(n - 1).inverseCumulativeProbability(0.975) * std / Math.sqrt(n);
        return new Spread(n, mean, std, mean - half, mean + half);
    }

    /** The paired differences {@code a[i] - b[i]}. */
    public static Spread paired(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired values of unequal counts: " + a.length + " and " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return of(d);
    }

    /** Whether the whole 95% interval lies above zero (the difference is not noise at that level). */
    public boolean aboveZero() {
        return n >= 2 && low > 0;
    }

    /** {@code 61.15 ± 2.10} (percent), or the single value when there is one. */
    public String percent() {
        if (n == 0) {
            return "-";
        }
        return n == 1 ? String.format(Locale.ROOT, "%.2f", 100 * mean)
                : String.format(Locale.ROOT, "%.2f ± %.2f", 100 * mean, 100 * std);
    }

    /** {@code +6.95 [+3.10, +10.80]} (percent points): the mean difference and its 95% interval. */
    public String difference() {
        if (n == 0) {
            return "-";
        }
        return n == 1 ? String.format(Locale.ROOT, "%+.2f", 100 * mean)
                : String.format(Locale.ROOT, "%+.2f [%+.2f, %+.2f]", 100 * mean, 100 * low, 100 * high);
    }
}
