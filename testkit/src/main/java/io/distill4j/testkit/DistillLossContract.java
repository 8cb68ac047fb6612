package io.distill4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.LossContexts;
import io.distill4j.runtime.PairSetups;
import io.distill4j.runtime.ParameterFiles;
import io.distill4j.runtime.TermResult;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.TermPlan;
import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DistillLoss} keeps. Implement it in a test class of the plugin:
 *
 * <pre>{@code
 * class KdContractTest implements DistillLossContract {
 *     public String lossName() { return "kd"; }
 *     public FeaturePair sampleInputs(NDManager m) {
 *         return FeaturePair.of(m.randomNormal(new Shape(8, 10)), m.randomNormal(new Shape(8, 10)));
 *     }
 * }
 * }</pre>
 *
 * The loss is found by name among the plugins on the test class path, loaded as the runtime loads
 * them, and configured through the runtime's own option validation from its {@code reference.conf}
 * and {@link #options()}.
 */
public interface DistillLossContract {
    /** The registered name of the loss under test, as used in {@code type = ...}. */
    String lossName();

    /** A typical batch: student and teacher tensors of equal shape (the student gets gradient). */
    FeaturePair sampleInputs(NDManager manager);

    /** Class targets for losses that consume them. */
    default Optional<NDArray> sampleTargets(NDManager manager) {
        return Optional.empty();
    }

    /** Further named batch inputs the loss reads, for example {@code boxes} and {@code image_sizes}. */
    default Map<String, NDArray> sampleBatchInputs(NDManager manager) {
        return Map.of();
    }

    /** Option overrides in HOCON, for example {@code "temperature = 2"}; empty for the defaults. */
    default String options() {
        return "";
    }

    /** Whether the method promises a zero loss when the student equals the teacher. */
    default boolean zeroWhenStudentEqualsTeacher() {
        return true;
    }

    /** The absolute tolerance of the zero-loss and weight-linearity checks (fp32). */
    default double tolerance() {
        return 1e-5;
    }

    // ---- the contract -------------------------------------------------------------------------

    /** The loss is registered by a plugin that loads from the class path without problems. */
    @Test
    default void isRegisteredByALoadablePlugin() {
        PluginRegistry registry = ClassPathPlugins.registry();
        ContractChecks.registeredByALoadablePlugin("loss", lossName(), registry.losses(), registry);
    }

    /** Every option has a doc line, and its default is a valid value of its own spec. */
    @Test
    default void everyOptionIsDocumentedWithAValidDefault() {
        ContractChecks.documentedWithValidDefaults(factory().options());
        assertFalse(factory().inputs().isEmpty(), "the factory declares no inputs");
    }

    /** The loss of a typical batch is one finite number. */
    @Test
    default void returnsAFiniteScalar() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            NDArray loss = create(in).compute(in.student(), in.teacher(), context(m));
            assertEquals(new Shape(), loss.getShape(), "the loss must be a scalar");
            float v = loss.getFloat();
            assertTrue(Float.isFinite(v), "the loss is not finite: " + v);
        }
    }

    /** Backward from the loss reaches the student with a finite, non-zero gradient. */
    @Test
    default void gradientReachesTheStudent() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            DistillLoss loss = create(in);
            NDArray student = in.student();
            student.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss.compute(student, in.teacher(), context(m)));
            }
            NDArray grad = student.getGradient();
            assertTrue(grad.isInfinite().logicalOr(grad.isNaN()).none().getBoolean(), "the student gradient is not finite");
            assertTrue(grad.abs().sum().getFloat() > 0f, "no gradient reaches the student");
        }
    }

    /**
     * A garbage collection between forward and backward leaves the student's gradient unchanged.
     * DJL's {@code mul(Number)}, {@code div(Number)}, {@code pow(Number)}, {@code maximum(Number)}
     * and {@code minimum(Number)} put the number in a Java direct buffer that autograd still reads in
     * backward, after the collector may have freed it: use {@link io.distill4j.spi.Scalars} instead.
     */
    @Test
    default void gradientSurvivesAGarbageCollectionBeforeBackward() throws InterruptedException {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            DistillLoss loss = create(in);
            // Drawn once (sample targets may be random); a fresh context per run draws the same masks.
            NDArray targets = sampleTargets(m).orElse(null);
            Map<String, NDArray> inputs = sampleBatchInputs(m);
            float[] calm = studentGradient(loss, in, LossContexts.of(m, targets, inputs), m, false);
            float max = 0;
            for (float g : calm) {
                max = Math.max(max, Math.abs(g));
            }
            for (int attempt = 0; attempt < 3; attempt++) {
                float[] collected = studentGradient(loss, in, LossContexts.of(m, targets, inputs), m, true);
                for (int i = 0; i < calm.length; i++) {
                    assertEquals(calm[i], collected[i], 1e-5 * max + 1e-7, "element " + i + " of the student gradient "
                            + "changed when the JVM collected garbage before backward: a number given to mul, div, pow, "
                            + "maximum or minimum is read from freed memory; use io.distill4j.spi.Scalars");
                }
            }
        }
    }

    private float[] studentGradient(DistillLoss loss, FeaturePair in, LossContext context, NDManager m,
                                    boolean collectBeforeBackward)
            throws InterruptedException {
        try (NDManager step = m.newSubManager()) {
            in.student().tempAttach(step);
            in.teacher().tempAttach(step);
            NDArray student = in.student().stopGradient();
            student.setRequiresGradient(true);
            java.util.List<java.nio.ByteBuffer> litter = new java.util.ArrayList<>();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray value = loss.compute(student, in.teacher(), context);
                if (collectBeforeBackward) {
                    System.gc();
                    Thread.sleep(5); // the Cleaner thread frees the direct buffers of collected arrays
                    // Freed native memory is handed out again: fill it with NaN, as other allocations would with data.
                    for (int size = 4; size <= 4096; size *= 2) {
                        for (int k = 0; k < 8; k++) {
                            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(size).order(java.nio.ByteOrder.nativeOrder());
                            while (b.remaining() >= 4) {
                                b.putFloat(Float.NaN);
                            }
                            litter.add(b);
                        }
                    }
                }
                gc.backward(value);
            }
            return student.getGradient().toFloatArray();
        }
    }

    /** The teacher is a constant: backward leaves its gradient at zero. */
    @Test
    default void noGradientFlowsIntoTheTeacher() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            DistillLoss loss = create(in);
            NDArray student = in.student();
            NDArray teacher = in.teacher();
            student.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss.compute(student, teacher, context(m)));
            }
            assertEquals(0f, teacher.getGradient().abs().sum().getFloat(),
                    "gradient flowed into the teacher; treat it as a constant (teacher.stopGradient())");
        }
    }

    /** Where the method promises it, a student equal to its teacher has zero loss. */
    @Test
    default void zeroLossWhenTheStudentEqualsTheTeacher() {
        assumeTrue(zeroWhenStudentEqualsTeacher(), lossName() + " does not promise a zero loss for student == teacher");
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            NDArray loss = create(in).compute(in.teacher().duplicate(), in.teacher(), context(m));
            assertEquals(0.0, loss.getFloat(), tolerance(), "student == teacher should give zero loss");
        }
    }

    /**
     * A step run in its own sub-manager leaves no tensor behind in the long-lived manager that holds
     * the loss's trainable parameters. DJL gives an op's result to its first operand's manager, so a
     * {@code weight.matMul(x)} or a parameter's reshaped view must be handed to the step's manager.
     */
    @Test
    default void aStepLeavesNoTensorInTheLongLivedManager() {
        try (NDManager longLived = NDManager.newBaseManager()) {
            DistillLoss loss = null;
            int[] counts = new int[3];
            for (int i = 0; i < counts.length; i++) {
                try (NDManager step = longLived.newSubManager()) {
                    FeaturePair in = sampleInputs(step);
                    if (loss == null) {
                        loss = createIn(in, longLived);
                        loss.trainableBlock().ifPresent(ParameterFiles::attachGradients);
                    }
                    NDArray student = in.student();
                    student.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(loss.compute(student, in.teacher(), context(step)));
                    }
                }
                counts[i] = longLived.getManagedArrays().size();
            }
            assertEquals(counts[0], counts[2], "every step leaves tensors in the long-lived manager: "
                    + java.util.Arrays.toString(counts) + " arrays after steps 1..3");
        }
    }

    /**
     * Through the runtime, a term's contribution is linear in its weight: {@code weighted = w * raw}
     * and the total is the sum of the weighted terms.
     */
    @Test
    default void contributionIsLinearInTheWeight() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            Config experiment = ConfigFactory.parseString("distill4j { task-loss-weight = 0, pairs = [ "
                    + "{ name = p, student = s, teacher = t, losses = [ "
                    + "{ type = \"" + lossName() + "\", name = once, weight = 1, " + options() + " }, "
                    + "{ type = \"" + lossName() + "\", name = scaled, weight = 2.5, " + options() + " } ] } ] }");
            DistillPlan plan = Distill4j.start(ClassPathPlugins.registry()).experiments().parse(experiment, "contract");
            Distiller d = Distiller.create(plan, Map.of("s", in.student().getShape()), Map.of("t", in.teacher().getShape()));
            d.initialize(m, DataType.FLOAT32);
            DistillBatch.Builder b = DistillBatch.builder(m).student("s", in.student()).teacher("t", in.teacher());
            sampleTargets(m).ifPresent(b::targets);
            sampleBatchInputs(m).forEach(b::input);
            DistillResult r = d.compute(b.build());
            // Each term against its own raw value: two terms of a stochastic or trainable loss differ.
            TermResult once = r.terms().get(0);
            TermResult scaled = r.terms().get(1);
            double rawOnce = once.raw().getFloat();
            double rawScaled = scaled.raw().getFloat();
            double tol = tolerance() + 1e-6 * (Math.abs(rawOnce) + Math.abs(rawScaled));
            assertEquals(rawOnce, once.weighted().getFloat(), tol, "weight 1 must leave the term unchanged");
            assertEquals(2.5 * rawScaled, scaled.weighted().getFloat(), 2.5 * tol, "weight 2.5 must scale the term by 2.5");
            assertEquals(rawOnce + 2.5 * rawScaled, r.total().getFloat(), 3.5 * tol,
                    "the total must be the sum of the weighted terms");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The factory under test, as registered on the class path. */
    default DistillLossFactory factory() {
        PluginRegistry.Entry<DistillLossFactory> e = ClassPathPlugins.registry().losses().get(lossName());
        if (e == null) {
            fail("no loss named '" + lossName() + "' on the class path; load problems: " + ClassPathPlugins.registry().problems());
        }
        return e.factory();
    }

    /**
     * The loss, configured from {@link #options()} over its {@code reference.conf} for the sample's
     * shapes, its trainable parts (if any) initialised in the sample's manager.
     */
    default DistillLoss create(FeaturePair sample) {
        return createIn(sample, sample.student().getManager());
    }

    /** The loss for the sample's shapes, its trainable parts initialised in {@code parameters}. */
    private DistillLoss createIn(FeaturePair sample, NDManager parameters) {
        Config experiment = ConfigFactory.parseString("distill4j { pairs = [ { name = contract, student = s, teacher = t, "
                + "losses = [ { type = \"" + lossName() + "\", " + options() + " } ] } ] }");
        DistillPlan plan = Distill4j.start(ClassPathPlugins.registry()).experiments().parse(experiment, "contract");
        TermPlan term = plan.pairs().get(0).terms().get(0);
        DistillLoss loss = factory().create(PairSetups.of("contract", term.options(), sample.student().getShape(),
                sample.teacher().getShape()));
        loss.trainableBlock().ifPresent(b -> b.initialize(parameters, DataType.FLOAT32, sample.student().getShape()));
        return loss;
    }

    /** A context carrying {@link #sampleTargets} and {@link #sampleBatchInputs}. */
    default LossContext context(NDManager manager) {
        return LossContexts.of(manager, sampleTargets(manager).orElse(null), sampleBatchInputs(manager));
    }
}
