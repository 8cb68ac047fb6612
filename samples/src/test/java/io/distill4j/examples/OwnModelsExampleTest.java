package io.distill4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.metric.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, run at a small size: the user's own DJL models, distilled with EasyTrain.fit. */
class OwnModelsExampleTest {
    @Test
    void distilsDjlsResNetIntoAMobileNetWithEveryTermInDjlsMetrics(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("steps.csv");
        OwnModelsExample.Result r = OwnModelsExample.run(256, 64, 1, 2, csv, false);
        Metrics m = r.studentMetrics();
        for (String name : List.of("task", "logits.kd", "logits.kd.weighted", "feature.mimic", "feature.mimic.weighted")) {
            assertTrue(m.hasMetric("train_epoch_" + name), name);
            assertTrue(m.hasMetric("validate_epoch_" + name), name);
        }
        double kd = m.latestMetric("train_epoch_logits.kd").getValue();
        assertEquals(0.5 * kd, m.latestMetric("train_epoch_logits.kd.weighted").getValue(), 1e-5 * kd);
        double mimic = m.latestMetric("train_epoch_feature.mimic").getValue();
        assertEquals(0.05 * mimic, m.latestMetric("train_epoch_feature.mimic.weighted").getValue(), 1e-5 * mimic);
        List<String> rows = Files.readAllLines(csv);
        assertEquals(1 + 2 * (256 / 32), rows.size(), "a header and a row for each of 16 steps");
    }
}
