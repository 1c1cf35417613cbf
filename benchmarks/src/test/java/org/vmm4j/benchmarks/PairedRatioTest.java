package org.vmm4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedRatioTest {

    @Test
    void twentyFivePairsGiveTheEighthAndEighteenthValues() {
        double[] ratios = new double[25];
        for (int i = 0; i < ratios.length; i++) {
            ratios[(i * 7) % 25] = 1.0 + i / 100.0; // a permutation of 1.00 .. 1.24
        }
        PairedRatio r = PairedRatio.of(ratios);
        assertEquals(1.12, r.median(), 1e-12);
        assertEquals(1.07, r.low(), 1e-12); // x(8)
        assertEquals(1.17, r.high(), 1e-12); // x(18)
        assertEquals(0.9567, r.coverage(), 1e-4); // 1 - 2 P(B <= 7), B ~ binomial(25, 1/2)
        assertTrue(r.bootstrapLow() <= r.median() && r.median() <= r.bootstrapHigh());
        assertTrue(r.bootstrapLow() >= 1.0 && r.bootstrapHigh() <= 1.24);
    }

    @Test
    void fewPairsSpanTheWholeRangeAndSayTheirCoverage() {
        PairedRatio r = PairedRatio.of(new double[] {1.03, 0.99, 1.01});
        assertEquals(1.01, r.median(), 1e-12);
        assertEquals(0.99, r.low(), 1e-12);
        assertEquals(1.03, r.high(), 1e-12);
        assertEquals(0.75, r.coverage(), 1e-12);
    }

    @Test
    void evenCountTakesTheMiddleMean() {
        assertEquals(1.5, PairedRatio.of(new double[] {2, 1, 1.2, 1.8}).median(), 1e-12);
    }

    @Test
    void rejectsWhatIsNotARatio() {
        assertThrows(IllegalArgumentException.class, () -> PairedRatio.of(new double[] {1.0, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> PairedRatio.of(new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> PairedRatio.of(new double[0]));
    }
}
