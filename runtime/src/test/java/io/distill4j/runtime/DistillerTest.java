package io.distill4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Problem;
import io.distill4j.runtime.plan.DistillPlan;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DistillerTest {
    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private static DistillPlan plan(String hocon) {
        return Distill4j.start(TestPlugins.registry()).experiments().parse(ConfigFactory.parseString(hocon,
                ConfigParseOptions.defaults().setOriginDescription("test.conf")), "test.conf");
    }

    private static Map<String, Shape> shapes(Object... nameShape) {
        java.util.LinkedHashMap<String, Shape> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameShape.length; i += 2) {
            m.put((String) nameShape[i], (Shape) nameShape[i + 1]);
        }
        return m;
    }

    private static List<Problem> bindProblems(DistillPlan plan, Map<String, Shape> s, Map<String, Shape> t) {
        return assertThrows(ExperimentException.class, () -> Distiller.create(plan, s, t)).problems();
    }

    @Test
    void totalIsWeightedTaskLossPlusWeightedTerms() {
        DistillPlan plan = plan("distill4j { task-loss-weight = 0.3, pairs = ["
                + "{ name = a, student = s1, teacher = t1, losses = [ { type = sq, weight = 2 }, { type = sq, name = big, weight = 0.5, scale = 10 } ] },"
                + "{ name = b, student = s2, teacher = t2, losses = [ { type = sq, weight = 1.5 } ] } ] }");
        NDArray s1 = manager.randomNormal(new Shape(4, 6));
        NDArray t1 = manager.randomNormal(new Shape(4, 6));
        NDArray s2 = manager.randomNormal(new Shape(4, 3));
        NDArray t2 = manager.randomNormal(new Shape(4, 3));
        Distiller d = Distiller.create(plan, shapes("s1", s1.getShape(), "s2", s2.getShape()),
                shapes("t1", t1.getShape(), "t2", t2.getShape()));
        DistillResult r = d.compute(DistillBatch.builder(manager).student("s1", s1).student("s2", s2)
                .teacher("t1", t1).teacher("t2", t2).taskLoss(manager.create(0.7f)).build());

        double a = s1.sub(t1).square().mean().getFloat();
        double b = s2.sub(t2).square().mean().getFloat();
        assertEquals(3, r.terms().size());
        assertEquals(List.of("a.sq", "a.big", "b.sq"), r.terms().stream().map(TermResult::key).toList());
        assertEquals(a, r.terms().get(0).raw().getFloat(), 1e-6);
        assertEquals(2 * a, r.terms().get(0).weighted().getFloat(), 1e-6);
        assertEquals(10 * a, r.terms().get(1).raw().getFloat(), 1e-5);
        assertEquals(5 * a, r.terms().get(1).weighted().getFloat(), 1e-5);
        assertEquals(1.5 * b, r.terms().get(2).weighted().getFloat(), 1e-6);
        assertEquals(0.3 * 0.7 + 2 * a + 5 * a + 1.5 * b, r.total().getFloat(), 1e-5);
        assertEquals(DataType.FLOAT32, r.total().getDataType(), "weights must not promote fp32 to fp64");

        // The step's one host read holds every number, exactly as each array reads on its own.
        StepValues v = r.values().orElseThrow();
        assertEquals(r.total().getFloat(), v.total());
        assertTrue(v.hasTaskLoss());
        assertEquals(0.7f, v.taskLoss());
        assertEquals(3, v.terms());
        for (int i = 0; i < 3; i++) {
            assertEquals(r.terms().get(i).raw().getFloat(), v.raw(i), "raw " + i);
            assertEquals(r.terms().get(i).weighted().getFloat(), v.weighted(i), "weighted " + i);
        }
        StepValues read = StepValues.read(new DistillResult(r.total(), java.util.Optional.empty(), r.terms()));
        assertFalse(read.hasTaskLoss());
        assertTrue(Float.isNaN(read.taskLoss()));
        assertEquals(v.weighted(2), read.weighted(2), "without a task loss the terms keep their places");
    }

    @Test
    void pairNamingAMissingFeatureNamesThePairAndWhatExists() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = dark3, student = backbone.dark3, teacher = backbone.dark3, losses = [ { type = sq } ] } ]");
        List<Problem> ps = bindProblems(plan, shapes("backbone.dark2", new Shape(2, 3)), shapes("backbone.dark3", new Shape(2, 3)));
        assertEquals(1, ps.size());
        assertTrue(ps.get(0).message().contains("pair 'dark3' names student feature 'backbone.dark3'")
                && ps.get(0).message().contains("did you mean 'backbone.dark2'?"), ps.get(0).message());
        assertTrue(ps.get(0).origin().toString().startsWith("test.conf"), ps.get(0).toString());
    }

    @Test
    void shapeMismatchNamesThePairAndBothShapes() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = logits, student = s, teacher = t, losses = [ { type = sq } ] } ]");
        List<Problem> ps = bindProblems(plan, shapes("s", new Shape(8, 10)), shapes("t", new Shape(8, 12)));
        String m = ps.get(0).message();
        assertTrue(m.contains("pair 'logits'") && m.contains("(8, 10)") && m.contains("(8, 12)"), m);
    }

    @Test
    void logitLossRefusesFeatureMaps() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = sq } ] } ]");
        List<Problem> ps = bindProblems(plan, shapes("s", new Shape(2, 3, 4, 4)), shapes("t", new Shape(2, 3, 4, 4)));
        assertTrue(ps.get(0).message().contains("takes logits (N, K)"), ps.get(0).message());
    }

    @Test
    void adaptersChainShapesAndRefusalsNameTheAdapter() {
        DistillPlan ok = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, adapters = [ { type = halve } ], losses = [ { type = sq } ] } ]");
        NDArray s = manager.randomNormal(new Shape(2, 8));
        NDArray t = manager.randomNormal(new Shape(2, 4));
        Distiller d = Distiller.create(ok, shapes("s", s.getShape()), shapes("t", t.getShape()));
        float raw = d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", t).build()).terms().get(0).raw().getFloat();
        assertEquals(s.reshape(2, 4, 2).mean(new int[] {2}).sub(t).square().mean().getFloat(), raw, 1e-6);

        List<Problem> ps = bindProblems(ok, shapes("s", new Shape(2, 7)), shapes("t", new Shape(2, 4)));
        assertTrue(ps.get(0).message().contains("adapter 'halve' cannot serve pair 'p'")
                && ps.get(0).message().contains("even number of columns"), ps.get(0).message());
    }

    @Test
    void everyPairProblemIsReportedAtOnce() {
        DistillPlan plan = plan("distill4j.pairs = ["
                + "{ name = a, student = x, losses = [ { type = sq } ] },"
                + "{ name = b, student = s, teacher = t, losses = [ { type = sq } ] } ]");
        List<Problem> ps = bindProblems(plan, shapes("s", new Shape(2, 3)), shapes("t", new Shape(2, 4)));
        assertEquals(3, ps.size(), ps.toString());
        // Each problem, not only their count: both missing tensors of pair a, then b's shapes.
        assertTrue(ps.get(0).message().contains("pair 'a' names student feature 'x'"), ps.get(0).message());
        assertTrue(ps.get(1).message().contains("pair 'a' names teacher feature 'x'"), ps.get(1).message());
        assertTrue(ps.get(2).message().contains("pair 'b'") && ps.get(2).message().contains("(2, 3)")
                && ps.get(2).message().contains("(2, 4)"), ps.get(2).message());
    }

    @Test
    void missingTargetsFailAtOnceNamingPairAndTerm() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = logits, student = s, teacher = t, losses = [ { type = tgt } ] } ]");
        NDArray s = manager.randomNormal(new Shape(2, 3));
        Distiller d = Distiller.create(plan, shapes("s", s.getShape()), shapes("t", s.getShape()));
        BatchException e = assertThrows(BatchException.class,
                () -> d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", s).build()));
        assertTrue(e.getMessage().contains("pair 'logits', term 'tgt'") && e.getMessage().contains("needs class targets"),
                e.getMessage());
    }

    @Test
    void batchWithAnotherShapeThanPlannedIsRefused() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = sq } ] } ]");
        Distiller d = Distiller.create(plan, shapes("s", new Shape(4, 3)), shapes("t", new Shape(4, 3)));
        NDArray shortBatch = manager.randomNormal(new Shape(2, 3));
        d.compute(DistillBatch.builder(manager).student("s", shortBatch).teacher("t", shortBatch).build());
        NDArray wide = manager.randomNormal(new Shape(4, 5));
        BatchException e = assertThrows(BatchException.class,
                () -> d.compute(DistillBatch.builder(manager).student("s", wide).teacher("t", wide).build()));
        assertTrue(e.getMessage().contains("(4, 5)") && e.getMessage().contains("(4, 3)"), e.getMessage());
    }

    @Test
    void trainablePartsAreGatheredInitialisedAndGetGradient() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = lin } ] } ]");
        NDArray s = manager.randomNormal(new Shape(4, 3));
        NDArray t = manager.randomNormal(new Shape(4, 5));
        Distiller d = Distiller.create(plan, shapes("s", s.getShape()), shapes("t", t.getShape()));
        assertFalse(d.trainableParts().isEmpty());
        d.initialize(manager, DataType.FLOAT32);
        var params = d.trainableParts().getParameters();
        assertEquals(2, params.size(), "weight and bias of the linear part");
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", t).build()).total());
        }
        NDArray w = params.get(0).getValue().getArray();
        NDArray b = params.get(1).getValue().getArray();
        NDArray grad = w.getGradient();
        assertEquals(new Shape(5, 3), grad.getShape());
        // The gradient's value: L = mean((s W^T + b - t)^2), so dL/dW = 2 (s W^T + b - t)^T s / (N K).
        NDArray residual = s.matMul(w.transpose()).add(b).sub(t);
        NDArray expected = residual.transpose().matMul(s).mul(2f / (4 * 5));
        assertEquals(0f, grad.sub(expected).abs().max().getFloat(), 1e-5f, "the trainable part's gradient is the analytic one");
        assertEquals(0f, b.getGradient().sub(residual.sum(new int[] {0}).mul(2f / (4 * 5))).abs().max().getFloat(), 1e-5f);
    }

    @Test
    void schedulesScaleTheWeightByEpoch() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = ["
                + "{ type = sq, weight = 2, schedule { type = linear-warmup, length = 10 } } ] } ]");
        NDArray s = manager.randomNormal(new Shape(4, 3));
        NDArray t = manager.randomNormal(new Shape(4, 3));
        Distiller d = Distiller.create(plan, shapes("s", s.getShape()), shapes("t", t.getShape()));
        double raw = s.sub(t).square().mean().getFloat();
        for (int epoch : new int[] {1, 5, 10, 30}) {
            TermResult r = d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", t).epoch(epoch).build())
                    .terms().get(0);
            double factor = Math.min(epoch / 10.0, 1.0);
            assertEquals(2 * factor, r.weight(), 1e-12, "weight at epoch " + epoch);
            assertEquals(2 * factor * raw, r.weighted().getFloat(), 1e-5, "weighted term at epoch " + epoch);
        }
    }

    @Test
    void nonFiniteTermFailsNamingPairTermAndStep() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = head, student = s, teacher = t, losses = [ { type = log } ] } ]");
        NDArray negative = manager.ones(new Shape(2, 3)).neg();
        Distiller d = Distiller.create(plan, shapes("s", negative.getShape()), shapes("t", negative.getShape()));
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> d.compute(DistillBatch.builder(manager).student("s", negative).teacher("t", negative).step(42).build()));
        assertTrue(e.getMessage().startsWith("pair 'head', term 'log' (log, test.conf") && e.getMessage().contains("NaN at step 42"),
                e.getMessage());
    }

    @Test
    void nonFiniteTermIsSkippedAndCountedWhenConfigured() {
        DistillPlan plan = plan("distill4j { non-finite = skip, pairs = [ { name = head, student = s, teacher = t, losses = ["
                + "{ type = log }, { type = sq } ] } ] }");
        NDArray s = manager.ones(new Shape(2, 3)).neg();
        NDArray t = manager.zeros(new Shape(2, 3));
        Distiller d = Distiller.create(plan, shapes("s", s.getShape()), shapes("t", t.getShape()));
        DistillResult r = d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", t).build());
        assertTrue(r.terms().get(0).skipped());
        assertEquals(0f, r.terms().get(0).weighted().getFloat());
        assertEquals(1.0, r.total().getFloat(), 1e-6, "the total holds the finite term only");
        assertEquals(1, d.skippedTerms());
        StepValues v = r.values().orElseThrow();
        assertEquals(1.0, v.total(), 1e-6, "the host values are read again after the skip");
        assertTrue(Float.isNaN(v.raw(0)), "the skipped term's raw value is logged as it was");
        assertEquals(0f, v.weighted(0));
        assertEquals(1.0, v.weighted(1), 1e-6);
    }

    @Test
    void noGradientReachesTheTeacherThroughTheRuntime() {
        DistillPlan plan = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = sq } ] } ]");
        NDArray s = manager.randomNormal(new Shape(4, 3));
        NDArray t = manager.randomNormal(new Shape(4, 3));
        s.setRequiresGradient(true);
        t.setRequiresGradient(true);
        Distiller d = Distiller.create(plan, shapes("s", s.getShape()), shapes("t", t.getShape()));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(d.compute(DistillBatch.builder(manager).student("s", s).teacher("t", t).build()).total());
        }
        assertEquals(0f, t.getGradient().abs().sum().getFloat());
        assertTrue(s.getGradient().abs().sum().getFloat() > 0);
    }

    /** An SPI 1.1 adapter (outputShapes only) still binds; one that implements neither shape method is refused, located. */
    @Test
    void anAdapterMustSayWhatShapesItProduces() {
        DistillPlan old = plan("distill4j.pairs = [ { name = p, student = s, teacher = t, adapters = [ { type = halve } ], losses = [ { type = sq } ] } ]");
        // sq needs equal shapes: only a student halved to (2, 4), as outputShapes() says, binds to the teacher.
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(
                () -> Distiller.create(old, shapes("s", new Shape(2, 8)), shapes("t", new Shape(2, 4))));
        assertThrows(ExperimentException.class, () -> Distiller.create(old, shapes("s", new Shape(2, 8)), shapes("t", new Shape(2, 8))));
        DistillPlan none = plan("distill4j.pairs = [ { name = p, student = s, teacher = t,\n adapters = [ { type = shapeless } ], losses = [ { type = sq } ] } ]");
        List<Problem> ps = bindProblems(none, shapes("s", new Shape(2, 4)), shapes("t", new Shape(2, 4)));
        assertEquals(1, ps.size(), ps.toString());
        assertEquals(new io.distill4j.runtime.config.Origin(null, 2, "test.conf: 2"), ps.get(0).origin(), "a string config: its line, no file");
        assertTrue(ps.get(0).message().startsWith("adapter 'shapeless' (") && ps.get(0).message()
                .endsWith("implements neither shapes() nor outputShapes(): it cannot say what it produces"), ps.get(0).message());
    }

    /** A plugin whose own code fails is bad input: one line naming the pair, the term and where the code came from. */
    @Test
    void aPluginWhoseCodeFailsIsNamedWithItsPairTermAndJar() {
        Shape shape = new Shape(2, 3);
        DistillPlan create = plan("distill4j.pairs = [ { name = p, student = s, teacher = t,\n losses = [ { type = faulty, fault = create } ] } ]");
        List<Problem> ps = bindProblems(create, shapes("s", shape), shapes("t", shape));
        assertEquals(1, ps.size(), ps.toString());
        assertTrue(ps.get(0).toString().startsWith("test.conf: 2: pair 'p', term 'faulty' (faulty")
                && ps.get(0).message().contains("failed to set up: its code threw IllegalStateException: no licence for this GPU")
                && ps.get(0).message().contains(TestPlugins.FaultyLoss.class.getName()), ps.get(0).toString());

        for (String[] fault : new String[][] {{"compute", "its code threw NullPointerException: cache not warmed"},
                {"shape", "the loss returned shape (2) instead of a scalar"}}) {
            Distiller d = Distiller.create(plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ "
                    + "{ type = faulty, fault = " + fault[0] + " } ] } ]"), shapes("s", shape), shapes("t", shape));
            BatchException e = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(manager).step(3)
                    .student("s", manager.ones(shape)).teacher("t", manager.zeros(shape)).build()));
            assertTrue(e.getMessage().startsWith("pair 'p', term 'faulty' (faulty") && e.getMessage().contains("at step 3: "
                    + fault[1]) && e.getMessage().contains(TestPlugins.FaultyLoss.class.getName()), e.getMessage());
            assertEquals(Distill4jException.Kind.BAD_INPUT, e.kind());
        }
    }

    /** Nonsense in a batch is refused by name: a NaN task loss, an empty batch, soft targets that are no distributions. */
    @Test
    void nonsenseInABatchIsNamed() {
        Shape shape = new Shape(2, 3);
        Distiller d = Distiller.create(plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = sq } ] } ]"),
                shapes("s", shape), shapes("t", shape));
        NonFiniteLossException nan = assertThrows(NonFiniteLossException.class, () -> d.compute(DistillBatch.builder(manager)
                .step(5).student("s", manager.ones(shape)).teacher("t", manager.zeros(shape))
                .taskLoss(manager.create(Float.NaN)).build()));
        assertTrue(nan.getMessage().startsWith("the task loss is NaN at step 5"), nan.getMessage());

        BatchException empty = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(manager)
                .student("s", manager.ones(new Shape(0, 3))).teacher("t", manager.zeros(new Shape(0, 3))).build()));
        assertTrue(empty.getMessage().contains("holds no example (batch size 0)"), empty.getMessage());

        for (float[][] bad : new float[][][] {{{0.5f, 0.6f, 0f}, {1f, 0f, 0f}}, {{-0.5f, 1.5f, 0f}, {1f, 0f, 0f}},
                {{Float.NaN, 1f, 0f}, {1f, 0f, 0f}}}) {
            NDArray targets = manager.create(bad);
            BatchException e = assertThrows(BatchException.class, () -> d.compute(DistillBatch.builder(manager)
                    .student("s", manager.ones(shape)).teacher("t", manager.zeros(shape)).targets(targets).build()));
            assertTrue(e.getMessage().startsWith("the soft targets (2, 3) "), e.getMessage());
        }
        // A proper distribution (mixup) passes.
        d.compute(DistillBatch.builder(manager).student("s", manager.ones(shape)).teacher("t", manager.zeros(shape))
                .targets(manager.create(new float[][] {{0.3f, 0.7f, 0f}, {0f, 0f, 1f}})).build());
    }

    /**
     * What a loss is handed: class indices given as floats (as DJL's datasets give them) arrive as
     * INT64, and the teacher tensor detached.
     */
    @Test
    void lossesGetIntegerTargetsAndADetachedTeacher() {
        Shape shape = new Shape(2, 3);
        Distiller d = Distiller.create(plan("distill4j.pairs = [ { name = p, student = s, teacher = t, losses = [ { type = tgt } ] } ]"),
                shapes("s", shape), shapes("t", shape));
        NDArray recording = manager.ones(shape);
        recording.setRequiresGradient(true);
        d.compute(DistillBatch.builder(manager).student("s", manager.ones(shape)).teacher("t", recording)
                .targets(manager.create(new float[] {2f, 0f})).build());
        assertEquals(DataType.INT64, TestPlugins.TargetLoss.lastTargets.getDataType());
        assertArrayEquals(new long[] {2, 0}, TestPlugins.TargetLoss.lastTargets.toLongArray());
        assertFalse(TestPlugins.TargetLoss.lastTeacher.hasGradient(), "the teacher reaches the loss detached");

        d.compute(DistillBatch.builder(manager).student("s", manager.ones(shape)).teacher("t", manager.zeros(shape))
                .targets(manager.create(new long[] {1, 1})).build());
        assertArrayEquals(new long[] {1, 1}, TestPlugins.TargetLoss.lastTargets.toLongArray(), "integer indices as given");
    }
}
