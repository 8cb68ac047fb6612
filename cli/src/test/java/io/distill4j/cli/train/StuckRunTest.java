package io.distill4j.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.djl.EpochSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run that never leaves the uniform guess is flagged, in its table and in the comparison, never compared. */
class StuckRunTest {
    private static TrainJob.RunResult run(String name, double... taskLosses) {
        List<EpochSummary> epochs = new java.util.ArrayList<>();
        for (int i = 0; i < taskLosses.length; i++) {
            epochs.add(new EpochSummary(i + 1, taskLosses[i], Map.of(), 0.1));
        }
        return new TrainJob.RunResult(name, taskLosses[taskLosses.length - 1] > 2 ? 0.0965 : 0.55, 1, epochs);
    }

    @Test
    void aRunAtTheUniformGuessIsNoResult() {
        // Seed 2 of the old default: 8 epochs at ln 10, 9.65% test accuracy.
        TrainJob.RunResult flat = run("student alone", 2.3100, 2.3046, 2.3045, 2.3045);
        assertTrue(flat.stuck(10).orElseThrow().startsWith("student alone did not learn: its task loss stayed at 2.3045"
                + " (ln 10 = 2.3026, a uniform guess) and its accuracy at chance (9.65%)"), flat.stuck(10).orElseThrow());
        assertTrue(run("student alone", 2.14, 1.86, 1.21).stuck(10).isEmpty(), "a run that learns is a result");
        // A slow first epoch is allowed: only the epochs after it are judged.
        assertTrue(run("student alone", 2.302, 1.9, 1.5).stuck(10).isEmpty());

        TrainJob.Outcome o = new TrainJob.Outcome("kd", Map.of("", new TrainJob.TeacherRun(run("teacher", 1.2, 0.8), true)),
                flat, run("student distilled", 2.0, 1.5, 1.2), Path.of("runs/kd"), 10);
        StringWriter table = new StringWriter();
        Report.table(new PrintWriter(table, true), o);
        assertTrue(table.toString().contains("  warning: student alone did not learn")
                && table.toString().contains("distillation: not measured (a run did not learn)")
                && !table.toString().contains("points of test accuracy"), table.toString());
        StringWriter comparison = new StringWriter();
        Report.comparison(new PrintWriter(comparison, true), List.of(o), Map.of());
        assertTrue(comparison.toString().matches("(?s).*\\nkd\\s+\\S+%\\s+9\\.65%\\s+55\\.00%\\s+no-learn.*"), comparison.toString());
        assertEquals(1, o.stuck().size());
    }
}
