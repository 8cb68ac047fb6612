package io.distill4j.plugin.detection;

import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The three FGD factories: {@code fgd} (all four terms), {@code fgd-focal} (foreground, background,
 * attention) and {@code fgd-global} (the GcBlock relation term). Defaults from docs/losses.md (RetinaNet
 * uses gamma 5e-4; two-stage detectors alpha 5e-5, beta 2.5e-5, gamma 5e-5, lambda 5e-7).
 */
public abstract class FgdLossFactory implements DistillLossFactory {
    private final boolean focal;
    private final boolean global;

    FgdLossFactory(boolean focal, boolean global) {
        this.focal = focal;
        this.global = global;
    }

    @Override
    public List<OptionSpec> options() {
        List<OptionSpec> specs = new ArrayList<>();
        if (focal) {
            specs.add(OptionSpec.ofDouble("temperature", 0.5, "temperature of the spatial and channel attention").greaterThan(0));
            specs.add(OptionSpec.ofDouble("alpha", 1e-3, "weight of the foreground feature loss").atLeast(0));
            specs.add(OptionSpec.ofDouble("beta", 5e-4, "weight of the background feature loss").atLeast(0));
            specs.add(OptionSpec.ofDouble("gamma", 1e-3, "weight of the attention loss (RetinaNet 5e-4)").atLeast(0));
            specs.add(OptionSpec.ofBoolean("reference-mask-transpose", false,
                    "fill box masks as yzd-v/FGD did before its commit c22b81d (rows take the box's x-range); off: geometric, as it does since"));
        }
        if (global) {
            specs.add(OptionSpec.ofDouble("lambda", 5e-6, "weight of the global relation (GcBlock) loss").atLeast(0));
        }
        return specs;
    }

    @Override
    public Set<LossInput> inputs() {
        return focal ? Set.of(LossInput.FEATURES, LossInput.BOXES) : Set.of(LossInput.FEATURES);
    }

    /** The align convolution maps the student's channels; batch and spatial sizes must agree. */
    @Override
    public boolean requiresEqualShapes() {
        return false;
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        return new Fgd(setup, focal, global);
    }

    /** {@code fgd}: focal and global. */
    @AutoService(DistillLossFactory.class)
    public static final class All extends FgdLossFactory {
        /** For ServiceLoader. */
        public All() {
            super(true, true);
        }

        @Override
        public String name() {
            return "fgd";
        }

        @Override
        public String description() {
            return "FGD: alpha*fg + beta*bg + gamma*attention + lambda*relation (needs boxes)";
        }
    }

    /** {@code fgd-focal}: foreground, background and attention terms. */
    @AutoService(DistillLossFactory.class)
    public static final class Focal extends FgdLossFactory {
        /** For ServiceLoader. */
        public Focal() {
            super(true, false);
        }

        @Override
        public String name() {
            return "fgd-focal";
        }

        @Override
        public String description() {
            return "FGD focal: alpha*fg + beta*bg + gamma*attention (needs boxes)";
        }
    }

    /** {@code fgd-global}: the GcBlock relation term. */
    @AutoService(DistillLossFactory.class)
    public static final class Global extends FgdLossFactory {
        /** For ServiceLoader. */
        public Global() {
            super(false, true);
        }

        @Override
        public String name() {
            return "fgd-global";
        }

        @Override
        public String description() {
            return "FGD global: lambda * relation loss through trainable GcBlocks";
        }
    }
}
