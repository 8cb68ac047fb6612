package io.distill4j.plugin.logits;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;
import java.util.Set;

/**
 * KD (Hinton et al. 2015): {@code T^2 * KL(softmax(t/T) || softmax(s/T))}, reduced over the batch.
 *
 * <p>The teacher's probabilities and log-probabilities both come from {@code log_softmax}, so a
 * class whose teacher probability underflows to zero contributes exactly zero, as PyTorch's
 * {@code kl_div} (which uses {@code xlogy}) does, instead of {@code 0 * -inf = NaN}.
 */
@AutoService(DistillLossFactory.class)
public final class KdLossFactory implements DistillLossFactory {
    static final String TEMPERATURE = "temperature";
    static final String REDUCTION = "reduction";

    @Override
    public String name() {
        return "kd";
    }

    @Override
    public String description() {
        return "Hinton KD: T^2 * KL(softmax(t/T) || softmax(s/T))";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.ofDouble(TEMPERATURE, 4.0, "softmax temperature T (CIFAR recipes 4, ImageNet 1)")
                        .greaterThan(0),
                OptionSpec.ofChoice(REDUCTION, "batchmean",
                        "batchmean: sum over classes, mean over the batch; mean: over all N*K elements; sum",
                        Reduction.NAMES));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.LOGITS);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Options o = setup.options();
        return new Kd(o.getDouble(TEMPERATURE), Reduction.of(o.getString(REDUCTION)));
    }

    /** The configured loss. */
    static final class Kd implements DistillLoss {
        private final double temperature;
        private final Reduction reduction;

        Kd(double temperature, Reduction reduction) {
            this.temperature = temperature;
            this.reduction = reduction;
        }

        @Override
        public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
            // sum(pt * (log pt - log ps)): the teacher's probabilities come from its log-probabilities,
            // and the reduction's divisor and T^2 are one factor applied to the sum.
            NDArray logPt = Temperature.teacher(teacher, (float) temperature).logSoftmax(1);
            NDArray logPs = Temperature.student(student, (float) temperature).logSoftmax(1);
            float factor = (float) (temperature * temperature / reduction.divisor(student.getShape()));
            return Scalars.mul(logPt.exp().mul(logPt.sub(logPs)).sum(), factor);
        }
    }
}
