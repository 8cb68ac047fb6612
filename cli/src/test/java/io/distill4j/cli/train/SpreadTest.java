package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Mean, spread and the paired t interval against values worked out by hand. */
class SpreadTest {
    /** Student's t, 97.5% quantile, 2 and 4 degrees of freedom (printed tables; scipy.stats.t.ppf gives the same). */
    private static final double T_2 = 4.302652729911275;
    private static final double T_4 = 2.7764451051977987;

    @Test
    void meanStdAndIntervalOfThreeValues() {
        Spread s = Spread.of(new double[] {0.50, 0.52, 0.57});
        assertEquals(0.53, s.mean(), 1e-12);
        // deviations -0.03, -0.01, 0.04: squares 0.0009 + 0.0001 + 0.0016 = 0.0026, / 2 = 0.0013
        assertEquals(Math.sqrt(0.0013), s.std(), 1e-12);
        double half = T_2 * Math.sqrt(0.0013) / Math.sqrt(3);
        assertEquals(0.53 - half, s.low(), 1e-9);
        assertEquals(0.53 + half, s.high(), 1e-9);
        assertEquals("53.00 ± 3.61", s.percent());
    }

    @Test
    void pairedDifferencePairsBySeed() {
        // alone varies a lot between seeds, distilled is always 2 points above: the pairing removes the seeds' noise
        double[] alone = {0.40, 0.55, 0.48, 0.61, 0.45};
        double[] distilled = {0.42, 0.57, 0.50, 0.63, 0.47};
        Spread d = Spread.paired(distilled, alone);
        assertEquals(0.02, d.mean(), 1e-12);
        assertEquals(0.0, d.std(), 1e-12);
        assertTrue(d.aboveZero());
        Spread noisy = Spread.paired(new double[] {0.42, 0.50, 0.47, 0.66, 0.43}, alone);
        // differences 0.02, -0.05, -0.01, 0.05, -0.02: mean -0.002
        assertEquals(-0.002, noisy.mean(), 1e-12);
        double std = Math.sqrt((0.022 * 0.022 + 0.048 * 0.048 + 0.008 * 0.008 + 0.052 * 0.052 + 0.018 * 0.018) / 4);
        assertEquals(std, noisy.std(), 1e-12);
        assertEquals(-0.002 - T_4 * std / Math.sqrt(5), noisy.low(), 1e-9);
        assertFalse(noisy.aboveZero());
        assertEquals("-0.20 [-4.96, +4.56]", noisy.difference());
    }

    @Test
    void oneValueHasNoSpreadAndUnequalPairsAreRefused() {
        Spread one = Spread.of(new double[] {0.6});
        assertEquals(0.6, one.mean(), 0);
        assertTrue(Double.isNaN(one.std()) && Double.isNaN(one.low()));
        assertFalse(one.aboveZero());
        assertEquals("60.00", one.percent());
        assertEquals("-", Spread.of(new double[0]).percent());
        assertThrows(IllegalArgumentException.class, () -> Spread.paired(new double[2], new double[3]));
    }
}
