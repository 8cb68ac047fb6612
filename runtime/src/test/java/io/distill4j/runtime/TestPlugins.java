package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.plugin.LoadedPlugin;
import io.distill4j.runtime.plugin.PluginDescriptor;
import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.runtime.plugin.PluginSet;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.SpiVersion;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** In-process test factories and a registry holding them, for runtime tests that need no jar. */
public final class TestPlugins {
    private TestPlugins() {}

    /** {@code sq}: {@code scale * mean((s - t)^2)} on logits, with a temperature-like option. */
    public static final class SquareLoss implements DistillLossFactory {
        @Override
        public String name() {
            return "sq";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.ofDouble("temperature", 4.0, "a positive number").greaterThan(0),
                    OptionSpec.ofDouble("scale", 1.0, "a factor"),
                    OptionSpec.ofInt("heads", 1, "a whole number").atLeast(1),
                    OptionSpec.ofChoice("reduction", "mean", "how to reduce", "mean", "sum"));
        }

        @Override
        public Set<LossInput> inputs() {
            return Set.of(LossInput.LOGITS);
        }

        @Override
        public DistillLoss create(PairSetup setup) {
            float scale = (float) setup.options().getDouble("scale");
            return (s, t, c) -> s.sub(t).square().mean().mul(scale);
        }
    }

    /** {@code tgt}: needs targets; the loss is the sum of the student's logits. It keeps what it was handed last. */
    public static final class TargetLoss implements DistillLossFactory {
        /** The teacher tensor and the targets of the last call, for tests of what a loss receives. */
        static NDArray lastTeacher;
        static NDArray lastTargets;

        @Override
        public String name() {
            return "tgt";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Set<LossInput> inputs() {
            return Set.of(LossInput.LOGITS, LossInput.TARGETS);
        }

        @Override
        public DistillLoss create(PairSetup setup) {
            return (s, t, c) -> {
                lastTeacher = t;
                lastTargets = c.targets().orElse(null);
                return s.sum();
            };
        }
    }

    /** {@code lin}: a trainable linear map of the student, then squared error to the teacher. */
    public static final class LinearLoss implements DistillLossFactory {
        @Override
        public String name() {
            return "lin";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Set<LossInput> inputs() {
            return Set.of(LossInput.LOGITS);
        }

        @Override
        public boolean requiresEqualShapes() {
            return false;
        }

        @Override
        public DistillLoss create(PairSetup setup) {
            Linear linear = Linear.builder().setUnits(setup.teacherShape().get(1)).build();
            return new DistillLoss() {
                @Override
                public NDArray compute(NDArray s, NDArray t, LossContext c) {
                    NDArray mapped = linear.forward(new ai.djl.training.ParameterStore(c.manager(), false),
                            new ai.djl.ndarray.NDList(s), true).singletonOrThrow();
                    return mapped.sub(t).square().mean();
                }

                @Override
                public Optional<Block> trainableBlock() {
                    return Optional.of(linear);
                }
            };
        }
    }

    /** {@code halve}: an adapter that halves the student's second axis by averaging pairs of columns. */
    public static final class HalveAdapter implements FeatureAdapterFactory {
        @Override
        public String name() {
            return "halve";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public FeatureAdapter create(PairSetup setup) {
            Shape s = setup.studentShape();
            if (s.get(1) % 2 != 0) {
                throw new io.distill4j.spi.InvalidPairException("needs an even number of columns, got " + s.get(1));
            }
            Shape out = new Shape(s.get(0), s.get(1) / 2);
            return new FeatureAdapter() {
                @Override
                public Shape[] outputShapes() {
                    return new Shape[] {out, setup.teacherShape()};
                }

                @Override
                public FeaturePair apply(FeaturePair p, LossContext c) {
                    NDArray st = p.student();
                    return FeaturePair.of(st.reshape(st.getShape().get(0), -1, 2).mean(new int[] {2}), p.teacher());
                }
            };
        }
    }

    /**
     * {@code faulty}: a loss whose own code fails, as chosen by its option {@code fault}: {@code create}
     * throws, {@code compute} throws, or {@code compute} returns a vector instead of a scalar.
     */
    public static final class FaultyLoss implements DistillLossFactory {
        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of(OptionSpec.ofChoice("fault", "compute", "where the plugin's code fails", "create", "compute", "shape"));
        }

        @Override
        public Set<LossInput> inputs() {
            return Set.of(LossInput.LOGITS);
        }

        @Override
        public DistillLoss create(PairSetup setup) {
            String fault = setup.options().getString("fault");
            if (fault.equals("create")) {
                throw new IllegalStateException("no licence for this GPU");
            }
            return (s, t, c) -> {
                if (fault.equals("compute")) {
                    throw new NullPointerException("cache not warmed");
                }
                return s.sub(t).square().mean(new int[] {1});
            };
        }
    }

    /** {@code shapeless}: an adapter that implements neither shape method (each defaults to the other). */
    public static final class ShapelessAdapter implements FeatureAdapterFactory {
        @Override
        public String name() {
            return "shapeless";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public FeatureAdapter create(PairSetup setup) {
            return (p, c) -> p;
        }
    }

    /** {@code log}: {@code log(sum(s))}, NaN for a negative sum: a term that can go non-finite. */
    public static final class LogLoss implements DistillLossFactory {
        @Override
        public String name() {
            return "log";
        }

        @Override
        public List<OptionSpec> options() {
            return List.of();
        }

        @Override
        public Set<LossInput> inputs() {
            return Set.of(LossInput.LOGITS);
        }

        @Override
        public DistillLoss create(PairSetup setup) {
            return (s, t, c) -> s.sum().log();
        }
    }

    /** A registry of the test factories, with {@code reference} as their reference.conf. */
    public static PluginRegistry registry(String reference) {
        Config ref = ConfigFactory.parseString(reference);
        LoadedPlugin p = new LoadedPlugin("test-plugin.jar", new PluginDescriptor("test", "1", SpiVersion.current()),
                TestPlugins.class.getClassLoader(), ref,
                List.of(new SquareLoss(), new TargetLoss(), new LinearLoss(), new LogLoss(), new FaultyLoss()), List.of(new HalveAdapter(), new ShapelessAdapter()));
        return PluginRegistry.of(new PluginSet(List.of(p), List.of()));
    }

    /** The registry with {@code sq}'s reference defaults: temperature 4, scale 1. */
    public static PluginRegistry registry() {
        return registry("distill4j.losses.sq { temperature = 4.0, scale = 1.0, heads = 1, reduction = mean }");
    }
}
