package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EpochHistoryTest {
    /** Softmax cross-entropy that records every value it computes. */
    private static final class CountingLoss extends Loss {
        final Loss inner = Loss.softmaxCrossEntropyLoss();
        final List<Float> values = new ArrayList<>();

        CountingLoss() {
            super("counting");
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            NDArray v = inner.evaluate(labels, predictions);
            values.add(v.getFloat());
            return v;
        }
    }

    private static void train(Loss loss, EpochHistory history, int epochs) throws Exception {
        train(loss, history, epochs, 8);
    }

    /** Trains on 48 samples in batches of {@code batch}, with {@code others} listening after the history. */
    private static void train(Loss loss, EpochHistory history, int epochs, int batch, TrainingListener... others)
            throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("linear")) {
            Engine.getInstance().setRandomSeed(3);
            NDArray x = m.randomNormal(new Shape(48, 6));
            NDArray y = x.sum(new int[] {1}).gt(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(y).setSampling(batch, false).build();
            model.setBlock(Linear.builder().setUnits(2).build());
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss).addTrainingListeners(history)
                    .addTrainingListeners(others);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(batch, 6));
                EasyTrain.fit(trainer, epochs, data, data);
            }
        }
    }

    @Test
    void aRememberingLossIsComputedOncePerStepAndTheHistoryAveragesItsValues() throws Exception {
        CountingLoss counting = new CountingLoss();
        EpochHistory history = new EpochHistory();
        train(new RememberingLoss(counting), history, 2);
        // Six training steps an epoch (the evaluation passes compute no loss: the config has no evaluators).
        assertEquals(2 * 6, counting.values.size(), "no second computation for the history");
        for (int epoch = 0; epoch < 2; epoch++) {
            double mean = counting.values.subList(6 * epoch, 6 * epoch + 6).stream().mapToDouble(Float::doubleValue)
                    .average().orElseThrow();
            assertEquals(mean, history.epochs().get(epoch).loss(), 1e-6, "epoch " + (epoch + 1));
        }
    }

    @Test
    void withoutARememberingLossTheHistoryComputesTheLossItself() throws Exception {
        CountingLoss counting = new CountingLoss();
        train(counting, new EpochHistory(), 1);
        assertEquals(6 + 6, counting.values.size(), "the training step's, and the history's own");
    }

    @Test
    void theChartOfTheLastEpochIsOnDiskWhenTheTrainerCloses(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("chart.png");
        EpochHistory history = new EpochHistory().chart(png, "linear");
        train(new RememberingLoss(Loss.softmaxCrossEntropyLoss()), history, 3);
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4), "a PNG chart");
        assertEquals(3, history.epochs().size());
        // The chart of all three epochs, not an earlier one still being replaced.
        Path drawnHere = tmp.resolve("reference.png");
        TrainingChart.write(drawnHere, "linear", "linear", history.epochs(), java.util.Map.of(), java.util.Map.of());
        assertArrayEquals(Files.readAllBytes(drawnHere), bytes, "the last epoch's chart");
    }

    @Test
    void aChartThatCannotBeWrittenFailsTheRunNamingTheFile(@TempDir Path tmp) throws Exception {
        Path png = Files.writeString(tmp.resolve("a-file"), "x").resolve("chart.png");
        EpochHistory history = new EpochHistory().chart(png, "linear");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> train(new RememberingLoss(Loss.softmaxCrossEntropyLoss()), history, 2));
        assertTrue(e.getMessage().startsWith(png + ": cannot write the chart"), e.getMessage());
    }

    @Test
    void aThrottledChartIsNotDrawnDuringTrainingButTheLastEpochsIsOnDiskAtTheEnd(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("chart.png");
        EpochHistory history = new EpochHistory().chart(png, "linear").chartEvery(java.time.Duration.ofHours(1));
        List<Boolean> onDiskAfterEpoch = new ArrayList<>();
        train(new RememberingLoss(Loss.softmaxCrossEntropyLoss()), history, 3, 8, new TrainingListenerAdapter() {
            @Override
            public void onEpoch(Trainer trainer) {
                onDiskAfterEpoch.add(Files.exists(png));
            }
        });
        assertEquals(List.of(false, false, false), onDiskAfterEpoch, "no drawing within the hour");
        Path drawnHere = tmp.resolve("reference.png");
        TrainingChart.write(drawnHere, "linear", "linear", history.epochs(), java.util.Map.of(), java.util.Map.of());
        assertArrayEquals(Files.readAllBytes(drawnHere), Files.readAllBytes(png), "the chart of all three epochs");
        assertThrows(IllegalArgumentException.class, () -> new EpochHistory().chartEvery(java.time.Duration.ofSeconds(-1)));
    }

    @Test
    void theStepTimeIsTheLoopsIntervalBetweenStepsOfOneEpochWithoutTheEvaluation() throws Exception {
        assertTrue(Double.isNaN(new EpochHistory().medianStepSeconds()), "no step yet");
        // Each step takes at least 30 ms (a listener sleeps), each evaluation at least 2 x 400 ms.
        TrainingListener slow = new TrainingListenerAdapter() {
            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                sleep(30);
            }

            @Override
            public void onValidationBatch(Trainer trainer, BatchData batchData) {
                sleep(400);
            }
        };
        EpochHistory history = new EpochHistory();
        train(new RememberingLoss(Loss.softmaxCrossEntropyLoss()), history, 2, 8, slow);
        double step = history.medianStepSeconds();
        assertTrue(step >= 0.030 && step < 0.4, "6 steps an epoch, median " + step + " s");
        // One step an epoch: every interval between two steps spans an evaluation, so there is no step time.
        EpochHistory onePerEpoch = new EpochHistory();
        train(new RememberingLoss(Loss.softmaxCrossEntropyLoss()), onePerEpoch, 3, 48, slow);
        assertTrue(Double.isNaN(onePerEpoch.medianStepSeconds()), "got " + onePerEpoch.medianStepSeconds());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
