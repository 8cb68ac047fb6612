package io.distill4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distill4j.runtime.Distill4j;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training-step bench, run small: every recipe trains through distill train's loop and gets a time per step. */
class StepBenchTest {
    @TempDir
    Path tmp;

    @Test
    void everyRecipeTrainsAndIsTimedInTheLineFormatCompareReads() throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringWriter out = new StringWriter();
        Distill4j runtime = Distill4j.start(Files.createDirectories(tmp.resolve("no-plugins")));
        StepBench.run(runtime, new PrintWriter(out), new PrintWriter(new StringWriter()), 128, 64, 1, null);
        Map<String, Double> times = new LinkedHashMap<>();
        for (String line : out.toString().split("\n")) {
            // tools/bench/compare.py's line: a name, then milliseconds per step
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\w+)\\s+([\\d.]+)$").matcher(line.strip());
            if (m.matches()) {
                times.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        assertEquals(List.of("teacher", "alone", "kd", "mgd", "fgd"), List.copyOf(times.keySet()), out.toString());
        times.forEach((recipe, ms) -> assertTrue(ms > 0 && ms < 60_000, recipe + ": " + ms));
        assertTrue(out.toString().contains("steps per run: 2 (1 epochs of 2, batch 64)"), out.toString());
    }

    @Test
    void withAWindowEveryMeasuredRunLeavesItsOpProfile() throws Exception {
        System.setProperty("java.awt.headless", "true");
        StringWriter out = new StringWriter();
        Distill4j runtime = Distill4j.start(Files.createDirectories(tmp.resolve("no-plugins")));
        StepBench.run(runtime, new PrintWriter(out), new PrintWriter(new StringWriter()), 128, 64, 1,
                new io.distill4j.cli.train.TrainJob.OpProfile(2, 1));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("op profiles of steps 2-2: (\\S+)/<recipe>/op-profile-<run>.json")
                .matcher(out.toString());
        assertTrue(m.find(), out.toString());
        Path runs = Path.of(m.group(1));
        for (String trace : List.of("kd/op-profile-teacher.json", "kd/op-profile-student-alone.json",
                "kd/op-profile-student-distilled.json", "mgd/op-profile-student-distilled.json",
                "fgd/op-profile-student-distilled.json")) {
            String text = Files.readString(runs.resolve(trace));
            // one training step's backward through the convolutions, at least
            assertTrue(text.contains("ConvolutionBackward0"), trace);
        }
        // the warm-up pass is not profiled
        try (var s = Files.walk(runs.getParent().resolve("warm-up"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("op-profile-")));
        }
    }

    @Test
    void theOfflineBenchTimesTheTeacherRunningAndItsStoredOutputs() throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringWriter out = new StringWriter();
        Distill4j runtime = Distill4j.start(Files.createDirectories(tmp.resolve("no-plugins")));
        StepBench.offline(runtime, new PrintWriter(out), new PrintWriter(new StringWriter()), 128, 64, 1, 2, 4);
        String text = out.toString();
        for (String row : List.of("alone", "kd-teacher4", "kd-teacher4-stored-float32", "kd-teacher4-stored-float16",
                "kd-teacher4-stored-float32/alone", "kd-teacher4-stored-float16/alone",
                // both precisions of both rounds, pooled
                "every stored run/alone (4 pairs)")) {
            // median, lowest, highest of the rounds: of the whole run per step, then of the run's median step
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\n" + java.util.regex.Pattern.quote(row)
                    + " +([\\d.]+) +([\\d.]+) +([\\d.]+) +([\\d.]+) +([\\d.]+) +([\\d.]+)\\n").matcher(text);
            assertTrue(m.find(), row + ": " + text);
            for (int column : new int[] {1, 4}) {
                double median = Double.parseDouble(m.group(column));
                double low = Double.parseDouble(m.group(column + 1));
                double high = Double.parseDouble(m.group(column + 2));
                assertTrue(low > 0 && low <= median && median <= high, row + ": " + m.group());
            }
        }
        // logits only: 10 floats a sample, 40 bytes in float32 and 20 in float16 (the manifest adds a little)
        assertTrue(text.matches("(?s).*bytes-per-sample-float32 +4\\d\\n.*") && text.matches("(?s).*bytes-per-sample-float16 +2\\d\\n.*"),
                text);
    }
}
