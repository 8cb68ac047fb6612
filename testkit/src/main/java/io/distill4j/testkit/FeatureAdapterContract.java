package io.distill4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.LossContexts;
import io.distill4j.runtime.PairSetups;
import io.distill4j.runtime.ParameterFiles;
import io.distill4j.runtime.config.OptionsResolver;
import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.Options;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link FeatureAdapter} keeps. Implement it in a test class of the plugin:
 *
 * <pre>{@code
 * class Conv1x1ContractTest implements FeatureAdapterContract {
 *     public String adapterName() { return "conv1x1"; }
 *     public FeaturePair sampleInputs(NDManager m) {
 *         return FeaturePair.of(m.randomNormal(new Shape(2, 4, 6, 6)), m.randomNormal(new Shape(2, 8, 6, 6)));
 *     }
 * }
 * }</pre>
 *
 * The adapter is found by name among the plugins on the test class path, loaded as the runtime loads
 * them, and configured through the runtime's option validation from its {@code reference.conf} and
 * {@link #options()}.
 */
public interface FeatureAdapterContract {
    /** The registered name of the adapter under test, as used in {@code adapters = [ { type = ... } ]}. */
    String adapterName();

    /** A typical pair of student and teacher tensors the adapter serves (their shapes may differ). */
    FeaturePair sampleInputs(NDManager manager);

    /** Option overrides in HOCON, for example {@code "to = student"}; empty for the defaults. */
    default String options() {
        return "";
    }

    /** Whether the adapter transforms the student side (then gradient must reach the student through it). */
    default boolean transformsTheStudent() {
        return true;
    }

    // ---- the contract -------------------------------------------------------------------------

    /** The adapter is registered by a plugin that loads from the class path without problems. */
    @Test
    default void isRegisteredByALoadablePlugin() {
        PluginRegistry registry = ClassPathPlugins.registry();
        ContractChecks.registeredByALoadablePlugin("adapter", adapterName(), registry.adapters(), registry);
    }

    /** Every option has a doc line, and its default is a valid value of its own spec. */
    @Test
    default void everyOptionIsDocumentedWithAValidDefault() {
        ContractChecks.documentedWithValidDefaults(factory().options());
    }

    /** The shapes it declares at plan time are the shapes it produces. */
    @Test
    default void producesTheShapesItDeclares() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            FeatureAdapter adapter = create(in, m);
            AdapterShapes declared = adapter.shapes();
            FeaturePair out = adapter.apply(in, context(m));
            assertEquals(declared, AdapterShapes.of(out.student().getShape(), out.teacher().getShape()),
                    "shapes() must describe what apply() returns");
        }
    }

    /** Gradient reaches the student through the adapter, and never the teacher. */
    @Test
    default void gradientReachesTheStudentAndNeverTheTeacher() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            FeatureAdapter adapter = create(in, m);
            NDArray student = in.student();
            NDArray teacher = in.teacher();
            student.setRequiresGradient(true);
            teacher.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // The teacher enters as a constant, as the runtime passes it.
                FeaturePair out = adapter.apply(FeaturePair.of(student, teacher.stopGradient()), context(m));
                gc.backward(out.student().mul(out.student()).sum().add(out.teacher().sum()));
            }
            if (transformsTheStudent()) {
                assertTrue(student.getGradient().abs().sum().getFloat() > 0, "no gradient reached the student");
            }
            assertEquals(0f, teacher.getGradient().abs().sum().getFloat(), "gradient flowed into the teacher");
        }
    }

    /** Its trainable parts, if any, get gradient from a step. */
    @Test
    default void trainablePartsLearn() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            FeatureAdapter adapter = create(in, m);
            adapter.trainableBlock().ifPresent(block -> {
                ParameterFiles.attachGradients(block);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    FeaturePair out = adapter.apply(in, context(m));
                    gc.backward(out.student().mul(out.student()).sum());
                }
                block.getParameters().forEach(p -> {
                    if (p.getValue().requiresGradient()) {
                        assertTrue(p.getValue().getArray().getGradient().abs().sum().getFloat() > 0,
                                "trainable parameter " + p.getKey() + " got no gradient");
                    }
                });
            });
        }
    }

    /** Applying it twice to the same pair gives the same result: no hidden state changes between steps. */
    @Test
    default void isAFunctionOfItsInputsAndParameters() {
        try (NDManager m = NDManager.newBaseManager()) {
            FeaturePair in = sampleInputs(m);
            FeatureAdapter adapter = create(in, m);
            FeaturePair a = adapter.apply(in, context(m));
            FeaturePair b = adapter.apply(in, context(m));
            assertEquals(0f, a.student().sub(b.student()).abs().max().getFloat(), 1e-6f, "student side differs");
            assertEquals(0f, a.teacher().sub(b.teacher()).abs().max().getFloat(), 1e-6f, "teacher side differs");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The factory under test, as registered on the class path. */
    default FeatureAdapterFactory factory() {
        PluginRegistry.Entry<FeatureAdapterFactory> e = ClassPathPlugins.registry().adapters().get(adapterName());
        if (e == null) {
            fail("no adapter named '" + adapterName() + "' on the class path; load problems: "
                    + ClassPathPlugins.registry().problems());
        }
        return e.factory();
    }

    /** The adapter for the sample's shapes, configured from {@link #options()}, its parts initialised in {@code m}. */
    default FeatureAdapter create(FeaturePair sample, NDManager m) {
        // Options validated as the runtime does: the test's overrides over the plugin's reference.conf.
        String path = "distill4j.adapters." + com.typesafe.config.ConfigUtil.joinPath(adapterName());
        Config reference = ClassPathPlugins.registry().reference();
        java.util.List<io.distill4j.runtime.config.Problem> problems = new java.util.ArrayList<>();
        Options options = OptionsResolver.resolve("adapter '" + adapterName() + "'", factory().options(),
                ConfigFactory.parseString(options()), java.util.Set.of(),
                reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty(), problems)
                .orElseThrow(() -> new AssertionError("the contract's options are invalid: " + problems));
        FeatureAdapter adapter = factory().create(PairSetups.of("contract", options, sample.student().getShape(),
                sample.teacher().getShape()));
        adapter.trainableBlock().ifPresent(b -> b.initialize(m, DataType.FLOAT32, sample.student().getShape()));
        return adapter;
    }

    /** A context of one training step. */
    default LossContext context(NDManager manager) {
        return LossContexts.of(manager, null, java.util.Map.of());
    }
}
