package io.distill4j.plugin.feature;

import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import java.util.List;
import java.util.Set;

/** Mimic: {@code mean((s - t)^2)} over one feature map (the multi-task recipe's MimicLoss sums this over levels = pairs). */
@AutoService(DistillLossFactory.class)
public final class MimicLossFactory implements DistillLossFactory {
    @Override
    public String name() {
        return "mimic";
    }

    @Override
    public String description() {
        return "feature mimicking: mean((s - t)^2)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of();
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.FEATURES);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        return (student, teacher, context) ->
                FeatureMaps.squaredError(student, teacher, 1f / student.getShape().size());
    }
}
