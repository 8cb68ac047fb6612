package io.distill4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.NpzFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped after an epoch and resumed in fresh objects ends bit-identical to one that never stopped. */
class CheckpointListenerTest {
    private static final Shape BATCH = new Shape(8, 1, 12, 12);
    private static final String PLAN = "{ name = logits, student = logits, teacher = logits, losses = [ { type = kd, weight = 0.5 } ] },"
            + "{ name = feat, student = feat, teacher = feat, adapters = [ { type = conv1x1 } ], losses = [ { type = mimic, weight = 0.5 } ] }";

    /** Trains until {@code untilEpoch} epochs are complete, resuming from {@code dir} when it holds a checkpoint. */
    private static Map<String, float[]> train(Path dir, int untilEpoch, long[] steps) throws Exception {
        return train(dir, untilEpoch, steps, null, null, null);
    }

    /**
     * As above; with {@code csv}, logs every step there; with {@code history}, records the epochs,
     * validating on the training data, and checks the last epoch's accuracy against a pass of its own.
     */
    private static Map<String, float[]> train(Path dir, int untilEpoch, long[] steps, Path csv, EpochHistory history)
            throws Exception {
        return train(dir, untilEpoch, steps, csv, history, null);
    }

    /** As above; with {@code fingerprint}, the checkpoints are marked with it. */
    private static Map<String, float[]> train(Path dir, int untilEpoch, long[] steps, Path csv, EpochHistory history,
                                              String fingerprint) throws Exception {
        try (NDManager m = NDManager.newBaseManager(); Model model = Model.newInstance("student")) {
            Map<String, NDArray> g = NpzFiles.read(TrajectoryParityTest.GOLDEN, m);
            SequentialBlock teacher = TrajectoryParityTest.net(8);
            teacher.initialize(m, DataType.FLOAT32, BATCH);
            TrajectoryParityTest.load(teacher, "teacher.", g);
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(PLAN),
                    TappedModel.of(TrajectoryParityTest.net(4)).tap("feat", "4"), TappedModel.of(teacher).tap("feat", "4"));
            model.setBlock(block);
            CheckpointableSgd sgd = CheckpointableSgd.of(0.05f, 0.9f, 0);
            CheckpointListener checkpoints = new CheckpointListener(dir, block, sgd).note("classes", "10");
            if (fingerprint != null) {
                checkpoints.fingerprint(fingerprint);
            }
            DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(sgd).addTrainingListeners(new DistillationListener(block, loss, csv), checkpoints);
            if (history != null) {
                config.addTrainingListeners(history);
            }
            Map<String, float[]> out = new LinkedHashMap<>();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(BATCH);
                TrajectoryParityTest.load(block.student(), "student.", g);
                // The same start in every process (DJL would draw the adapter's weights at random).
                Map<String, NDArray> parts = new LinkedHashMap<>();
                block.distiller().trainableParts().namedParameters().keySet().forEach(k -> parts.put(k, g.get("kd_mimic.init." + k)));
                block.distiller().trainableParts().assign(parts, "golden");
                int done = checkpoints.resume(trainer.getManager());
                ArrayDataset data = new ArrayDataset.Builder().setData(g.get("inputs")).optLabels(g.get("labels"))
                        .setSampling(8, false).build();
                EasyTrain.fit(trainer, untilEpoch - done, data, history == null ? null : data);
                if (history != null) {
                    NDArray logits = block.student().forward(new ai.djl.training.ParameterStore(m, false),
                            new ai.djl.ndarray.NDList(g.get("inputs")), false).get(0);
                    double own = logits.argMax(1).eq(g.get("labels").toType(DataType.INT64, false)).sum().getLong()
                            / (double) g.get("labels").getShape().get(0);
                    assertEquals(own, history.latest().orElseThrow().accuracy(), 1e-12, "the history's accuracy is the model's");
                }
                block.getParameters().forEach(p -> out.put(p.getKey(), p.getValue().getArray().toFloatArray()));
                steps[0] = block.progress().step();
            }
            return out;
        }
    }

    @Test
    void aResumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        Map<String, float[]> straight = train(tmp.resolve("straight"), 4, steps);
        assertEquals(32, steps[0]);
        Map<String, float[]> firstHalf = train(tmp.resolve("resumed"), 2, steps);
        assertEquals(16, steps[0]);
        assertTrue(Files.isDirectory(tmp.resolve("resumed/epoch-002")), "a checkpoint per epoch");
        Map<String, float[]> resumed = train(tmp.resolve("resumed"), 4, steps);
        assertEquals(32, steps[0], "the step count went on from the checkpoint");
        assertEquals(straight.keySet(), resumed.keySet());
        assertTrue(straight.keySet().stream().anyMatch(k -> k.contains("conv1x1")), "the parts are checkpointed too");
        for (String k : straight.keySet()) {
            assertArrayEquals(straight.get(k), resumed.get(k), k);
        }
        assertTrue(straight.keySet().stream().anyMatch(k -> !java.util.Arrays.equals(straight.get(k), firstHalf.get(k))),
                "the second half trained");
        assertEquals(List.of("epoch-001", "epoch-002", "epoch-003", "epoch-004"),
                Files.list(tmp.resolve("resumed")).map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void aResumedStepLogReadsAsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        train(tmp.resolve("straight"), 3, steps, tmp.resolve("straight.csv"), null);
        train(tmp.resolve("resumed"), 1, steps, tmp.resolve("resumed.csv"), null);
        // The run was killed during epoch 2, after some steps were logged that the checkpoint does not hold.
        List<String> full = Files.readAllLines(tmp.resolve("straight.csv"));
        Files.write(tmp.resolve("resumed.csv"), full.subList(0, 1 + 8 + 3));
        train(tmp.resolve("resumed"), 3, steps, tmp.resolve("resumed.csv"), null);
        assertEquals(1 + 24, full.size(), "a header and one row per step");
        assertEquals(full, Files.readAllLines(tmp.resolve("resumed.csv")));
    }

    @Test
    void theHistoryHoldsEachEpochsMeansAndTheCheckpointTheExportableStudent(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        EpochHistory history = new EpochHistory().chart(tmp.resolve("chart.png"), "kd + mimic");
        train(tmp.resolve("run"), 2, steps, tmp.resolve("steps.csv"), history);
        assertEquals(List.of(1, 2), history.epochs().stream().map(EpochSummary::epoch).toList());
        List<String> rows = Files.readAllLines(tmp.resolve("steps.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        for (EpochSummary e : history.epochs()) {
            assertEquals(java.util.Set.of("task", "logits.kd", "feat.mimic"), e.parts().keySet());
            // The epoch's means are those of its steps in the log.
            for (String[] column : new String[][] {{"total", null}, {"task", "task"}, {"feat.mimic.weighted", "feat.mimic"}}) {
                int c = header.indexOf(column[0]);
                double mean = rows.stream().skip(1).map(r -> r.split(",")).filter(r -> Integer.parseInt(r[0]) == e.epoch())
                        .mapToDouble(r -> Double.parseDouble(r[c])).average().orElseThrow();
                double recorded = column[1] == null ? e.loss() : e.parts().get(column[1]);
                assertEquals(mean, recorded, 1e-6 * Math.abs(mean), e.epoch() + " " + column[0]);
            }
        }
        byte[] png = Files.readAllBytes(tmp.resolve("chart.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4), "a PNG chart");

        Path last = CheckpointListener.latest(tmp.resolve("run")).orElseThrow();
        assertEquals(tmp.resolve("run/epoch-002"), last);
        assertTrue(Files.readString(last.resolve("state.properties")).contains("classes=10"), "the caller's notes are kept");
        try (NDManager m = NDManager.newBaseManager()) {
            SequentialBlock student = TrajectoryParityTest.net(4);
            student.initialize(m, DataType.FLOAT32, BATCH);
            try (var in = new java.io.DataInputStream(Files.newInputStream(last.resolve(CheckpointListener.STUDENT)))) {
                student.loadParameters(m, in);
            }
            Map<String, float[]> trained = train(tmp.resolve("run"), 2, steps);
            for (var p : student.getParameters()) {
                assertArrayEquals(trained.get("01student_" + p.getKey()), p.getValue().getArray().toFloatArray(), p.getKey());
            }
        }
    }

    @Test
    void aCheckpointFolderThatIsAFileIsRefusedBeforeTraining(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        try (NDManager m = NDManager.newBaseManager()) {
            DistillationBlock block = new DistillationBlock(DistillationTrainingTest.plan(PLAN),
                    TappedModel.of(TrajectoryParityTest.net(4)), TappedModel.of(TrajectoryParityTest.net(8)));
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> new CheckpointListener(file, block, CheckpointableSgd.of(0.1f, 0.9f, 0)));
            assertEquals(file + ": the checkpoint folder must be a folder, but it is a file", e.getMessage());
        }
    }

    /** A flipped byte is found by the checksum, before anything is loaded; a file replaced with its checksum, on load. */
    @Test
    void aCorruptCheckpointNamesItsFile(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        train(tmp, 1, steps);
        Path params = tmp.resolve("epoch-001/parameters.ndlist");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 1;
        Files.write(params, bytes);
        InvalidInputException flipped = assertThrows(InvalidInputException.class, () -> train(tmp, 2, steps));
        assertEquals(params + ": its checksum does not match checksums.sha256 (the file changed or was damaged after it"
                + " was written)", flipped.getMessage());
        assertEquals(InvalidInputException.class, assertThrows(InvalidInputException.class,
                () -> CheckpointListener.verify(tmp, null)).getClass(), "a tool finds it before training");

        Files.write(params, new byte[] {1, 2, 3});
        io.distill4j.runtime.Checksums.writeManifest(tmp.resolve("epoch-001"),
                List.of("parameters.ndlist", "optimizer.ndlist", "student.params", "state.properties"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> train(tmp, 2, steps));
        assertTrue(e.getMessage().startsWith(params + ": unreadable checkpoint"), e.getMessage());
    }

    /** The checkpoint's state is checked whole: numbers, fingerprint, completeness; leftovers of a kill are removed. */
    @Test
    void aCheckpointsStateIsCheckedBeforeItIsUsed(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        train(tmp, 1, steps);
        Path epoch = tmp.resolve("epoch-001");
        Path state = epoch.resolve("state.properties");
        String good = Files.readString(state);
        List<String> all = List.of("parameters.ndlist", "optimizer.ndlist", "student.params", "state.properties");
        for (String[] bad : new String[][] {{"step=8", "step=-1", "'step' = -1 is out of range"},
                {"step=8", "step=eight", "'step' must be a whole number, got 'eight'"},
                {"epoch=1", "", "no 'epoch'"}}) {
            Files.writeString(state, good.replace(bad[0], bad[1]));
            io.distill4j.runtime.Checksums.writeManifest(epoch, all);
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> CheckpointListener.verify(tmp, null));
            assertTrue(e.getMessage().startsWith(state + ": ") && e.getMessage().contains(bad[2]), e.getMessage());
        }
        Files.writeString(state, good);
        io.distill4j.runtime.Checksums.writeManifest(epoch, all);
        assertEquals(1, CheckpointListener.verify(tmp, null));

        // Checkpoints name what they are of: another plan's is refused.
        Path other = tmp.resolve("other");
        train(other, 1, steps, null, null, "plan-a");
        InvalidInputException plan = assertThrows(InvalidInputException.class, () -> CheckpointListener.verify(other, "plan-b"));
        assertTrue(plan.getMessage().contains("a checkpoint of another experiment or data (fingerprint plan-a, this run's is"
                + " plan-b)"), plan.getMessage());
        assertEquals(1, CheckpointListener.verify(other, "plan-a"));

        // A save a kill interrupted is removed; a newest checkpoint missing its state is refused, not skipped.
        Files.createDirectories(tmp.resolve(".epoch-2-12345"));
        Path newest = Files.createDirectories(tmp.resolve("epoch-002"));
        Files.copy(epoch.resolve("parameters.ndlist"), newest.resolve("parameters.ndlist"));
        InvalidInputException incomplete = assertThrows(InvalidInputException.class, () -> CheckpointListener.verify(tmp, null));
        assertTrue(incomplete.getMessage().startsWith(newest + ": not a complete checkpoint (no state.properties)"),
                incomplete.getMessage());
        assertTrue(!Files.exists(tmp.resolve(".epoch-2-12345")), "the interrupted save is gone");

        // A missing optimizer state is named, never resumed with zero momentum.
        deleteTree(newest);
        Files.delete(epoch.resolve("optimizer.ndlist"));
        InvalidInputException momentum = assertThrows(InvalidInputException.class, () -> CheckpointListener.verify(tmp, null));
        assertEquals(epoch.resolve("optimizer.ndlist") + ": missing from its checkpoint (listed in checksums.sha256)",
                momentum.getMessage());
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** A last log row cut short by a kill is dropped on resume, and the log reads as the uninterrupted one. */
    @Test
    void aStepLogCutShortByAKillIsRepaired(@TempDir Path tmp) throws Exception {
        long[] steps = new long[1];
        train(tmp.resolve("straight"), 2, steps, tmp.resolve("straight.csv"), null);
        train(tmp.resolve("resumed"), 1, steps, tmp.resolve("resumed.csv"), null);
        List<String> full = Files.readAllLines(tmp.resolve("straight.csv"));
        String cut = full.get(1 + 8 + 2);
        assertTrue(cut.startsWith("2,10,"), cut);
        List<String> killed = new java.util.ArrayList<>(full.subList(0, 1 + 8 + 2));
        // Cut inside the step: "2,1" reads as step 1, before the checkpoint's 8, unless the row is seen to be short.
        killed.add("2,1");
        Files.write(tmp.resolve("resumed.csv"), killed);
        train(tmp.resolve("resumed"), 2, steps, tmp.resolve("resumed.csv"), null);
        assertEquals(full, Files.readAllLines(tmp.resolve("resumed.csv")));
    }
}
