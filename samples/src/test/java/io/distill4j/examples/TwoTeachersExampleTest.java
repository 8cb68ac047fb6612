package io.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.metric.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two-teacher example at a small size: both teachers' terms reach DJL's metrics and the step log. */
class TwoTeachersExampleTest {
    @Test
    void distilsOneStudentFromTwoTeachersAtOnce(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("steps.csv");
        TwoTeachersExample.Result r = TwoTeachersExample.run(128, 64, 1, 1, csv, false);
        assertEquals(List.of("deep", "shallow"), List.copyOf(r.teacherAccuracy().keySet()));
        Metrics m = r.studentMetrics();
        for (String name : List.of("deep.kd", "shallow.kd", "feature.mimic")) {
            double raw = m.latestMetric("train_epoch_" + name).getValue();
            assertTrue(raw > 0, name + " contributes");
            double weight = name.startsWith("deep") ? 0.3 : name.startsWith("shallow") ? 0.2 : 0.05;
            assertEquals(weight * raw, m.latestMetric("train_epoch_" + name + ".weighted").getValue(), 1e-5 * raw, name);
        }
        // The two KD terms compare the same student logits with different teachers: different values.
        assertTrue(m.latestMetric("train_epoch_deep.kd").getValue() != m.latestMetric("train_epoch_shallow.kd").getValue());
        String header = Files.readAllLines(csv).get(0);
        assertTrue(header.contains("deep.kd.raw") && header.contains("shallow.kd.raw") && header.contains("feature.mimic.raw"),
                header);
    }
}
