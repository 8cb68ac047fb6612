package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;
import java.util.Set;

/**
 * CWD, channel-wise distillation (Shu et al., ICCV 2021): each channel's map becomes a distribution
 * over positions, {@code L = tau^2 * sum(pt * (log pt - log ps)) / (N*C)} with {@code pt = softmax_HW(t/tau)}.
 * The teacher's log-probabilities come from {@code log_softmax}, as in the seed.
 */
@AutoService(DistillLossFactory.class)
public final class CwdLossFactory implements DistillLossFactory {
    @Override
    public String name() {
        return "cwd";
    }

    @Override
    public String description() {
        return "channel-wise distillation: tau^2 * KL(softmax_HW(t/tau) || softmax_HW(s/tau)) / (N*C)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofDouble("tau", 1.0, "temperature (segmentation recipes 4, FPN recipes 1)").greaterThan(0));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.FEATURES);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        float tau = (float) setup.options().getDouble("tau");
        return (student, teacher, context) -> {
            long rows = student.getShape().get(0) * student.getShape().get(1);
            long positions = student.getShape().get(2) * student.getShape().get(3);
            NDArray logPt = byTau(teacher.stopGradient().reshape(rows, positions), tau).logSoftmax(1);
            NDArray logPs = byTau(student.reshape(rows, positions), tau).logSoftmax(1);
            // sum(pt * (log pt - log ps)) as one dot product: the multiply and the sum in one pass each way.
            NDArray kl = logPt.exp().reshape(-1).dot(logPt.sub(logPs).reshape(-1));
            return Scalars.mul(kl, tau * tau / rows);
        };
    }

    /**
     * {@code x / tau}; at tau 1, the default, {@code x} itself, which is the same value exactly: each
     * division is a full pass over every level's maps (and the student's one more in backward).
     */
    private static NDArray byTau(NDArray x, float tau) {
        return tau == 1f ? x : Scalars.div(x, tau);
    }
}
