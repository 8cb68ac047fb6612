package io.distill4j.runtime.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.config.Problem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulesTest {
    private final List<Problem> problems = new ArrayList<>();

    private WeightSchedule parse(String hocon) {
        WeightSchedule s = Schedules.parse(ConfigFactory.parseString(hocon), "term 't'", problems).orElseThrow();
        assertEquals(List.of(), problems);
        return s;
    }

    private static void assertCurve(WeightSchedule s, int[] epochs, double[] factors) {
        for (int i = 0; i < epochs.length; i++) {
            assertEquals(factors[i], s.factor(0, epochs[i]), 1e-12, s + " at epoch " + epochs[i]);
        }
    }

    @Test
    void linearWarmupIsDkdsMinEpochOverWarmup() {
        assertCurve(parse("type = linear-warmup, length = 20"), new int[] {1, 10, 19, 20, 21, 100},
                new double[] {0.05, 0.5, 0.95, 1, 1, 1});
    }

    @Test
    void cosineFallsFromOneToFinal() {
        WeightSchedule s = parse("type = cosine, length = 10, final = 0.2");
        assertCurve(s, new int[] {1, 6, 11, 50}, new double[] {1.0, 0.6, 0.2, 0.2});
        assertEquals(0.2 + 0.8 * 0.5 * (1 + Math.cos(Math.PI * 0.3)), s.factor(0, 4), 1e-12);
    }

    @Test
    void stepDecaysByGammaEveryN() {
        assertCurve(parse("type = step, every = 30, gamma = 0.1"), new int[] {1, 30, 31, 60, 61, 91},
                new double[] {1, 1, 0.1, 0.1, 0.01, 0.001});
    }

    @Test
    void stopAfterTurnsTheTermOff() {
        assertCurve(parse("type = stop-after, length = 5"), new int[] {1, 5, 6, 7}, new double[] {1, 1, 0, 0});
    }

    @Test
    void constantIsOne() {
        assertCurve(parse("type = constant"), new int[] {1, 1000}, new double[] {1, 1});
    }

    @Test
    void stepUnitCountsStepsFromOne() {
        WeightSchedule s = parse("type = linear-warmup, length = 4, unit = step");
        assertEquals(0.25, s.factor(0, 1), 1e-12);
        assertEquals(1.0, s.factor(3, 1), 1e-12);
        assertEquals(0.5, s.factor(1, 99), 1e-12, "a step schedule ignores the epoch");
    }

    @Test
    void badSchedulesAreReportedWithSuggestions() {
        assertTrue(Schedules.parse(ConfigFactory.parseString("type = cosin, length = 3"), "term 't'", problems).isEmpty());
        assertTrue(Schedules.parse(ConfigFactory.parseString("type = linear-warmup"), "term 't'", problems).isEmpty());
        assertTrue(Schedules.parse(ConfigFactory.parseString("type = step, every = 0, gama = 2"), "term 't'", problems).isEmpty());
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).message().contains("unknown schedule type 'cosin'")
                && problems.get(0).message().contains("did you mean 'cosine'?"), problems.get(0).message());
        assertTrue(problems.get(1).message().contains("needs a 'length'"), problems.get(1).message());
        assertTrue(problems.get(2).message().contains("unknown option 'gama'"), problems.get(2).message());
        assertTrue(problems.get(3).message().contains("'every' of schedule 'step' must be >= 1"), problems.get(3).message());
    }
}
