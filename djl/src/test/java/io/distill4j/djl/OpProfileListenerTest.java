package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpProfileListenerTest {
    /** The linear layer's backward node: one per training step. */
    private static final String BACKWARD = "autograd::engine::evaluate_function: AddmmBackward0";

    /** Trains a linear model 2 epochs of 6 steps (48 samples, batch 8), evaluating after each, with the profiler listening. */
    private static void train(OpProfileListener profile) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("linear")) {
            Engine.getInstance().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(48, 6));
            NDArray y = x.sum(new int[] {1}).gt(0).toType(DataType.FLOAT32, false);
            ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(8, false).build();
            model.setBlock(Linear.builder().setUnits(2).build());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).addTrainingListeners(profile);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(8, 6));
                EasyTrain.fit(trainer, 2, data, data);
            }
        }
    }

    /** How often each event name occurs in a Chrome trace. */
    private static Map<String, Integer> counts(Path trace) throws Exception {
        JsonElement root = JsonParser.parseString(Files.readString(trace));
        Iterable<JsonElement> events = root.isJsonArray() ? root.getAsJsonArray()
                : root.getAsJsonObject().getAsJsonArray("traceEvents");
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonElement e : events) {
            if (e.getAsJsonObject().has("name") && "X".equals(e.getAsJsonObject().get("ph").getAsString())) {
                counts.merge(e.getAsJsonObject().get("name").getAsString(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** The trace's count of one event name; 0 when it has none. */
    private static int count(Map<String, Integer> counts, String name) {
        return counts.getOrDefault(name, 0);
    }

    @Test
    void theTraceHoldsExactlyTheWindowsSteps(@TempDir Path dir) throws Exception {
        OpProfileListener profile = new OpProfileListener(dir.resolve("trace.json"), 2, 3);
        train(profile);
        assertTrue(profile.written());
        Map<String, Integer> counts = counts(dir.resolve("trace.json"));
        // Steps 2 to 4, inside the first epoch: three backward passes through the linear layer, and no
        // evaluation (its forwards would add linear layers without backward).
        assertEquals(3, count(counts, BACKWARD), counts.toString());
        assertEquals(3, count(counts, "aten::addmm"), counts.toString());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left beside the trace");
        }
    }

    @Test
    void aWindowAcrossAnEpochsEndHoldsItsEvaluation(@TempDir Path dir) throws Exception {
        OpProfileListener profile = new OpProfileListener(dir.resolve("trace.json"), 5, 4);
        train(profile);
        Map<String, Integer> counts = counts(dir.resolve("trace.json"));
        // Steps 5 to 8: four backward passes; the first epoch's evaluation (6 batches) runs inside them.
        assertEquals(4, count(counts, BACKWARD), counts.toString());
        assertEquals(4 + 6, count(counts, "aten::addmm"), counts.toString());
    }

    @Test
    void aTrainingThatEndsInsideTheWindowWritesWhatWasRecorded(@TempDir Path dir) throws Exception {
        OpProfileListener profile = new OpProfileListener(dir.resolve("trace.json"), 11, 10);
        train(profile);
        assertTrue(profile.written());
        // Steps 11 and 12 of 12, then the last evaluation.
        assertEquals(2, count(counts(dir.resolve("trace.json")), BACKWARD));
    }

    @Test
    void aWindowAfterTheLastStepWritesNothing(@TempDir Path dir) throws Exception {
        OpProfileListener profile = new OpProfileListener(dir.resolve("trace.json"), 13, 2);
        train(profile);
        assertFalse(profile.written());
        assertFalse(Files.exists(dir.resolve("trace.json")));
    }

    @Test
    void aWindowMustStartAtAStepAndHoldOne() {
        assertThrows(IllegalArgumentException.class, () -> new OpProfileListener(Path.of("t.json"), 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new OpProfileListener(Path.of("t.json"), 3, 0));
    }
}
