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
 * DKD, decoupled knowledge distillation (Zhao et al., CVPR 2022), as in mdistiller's {@code dkd_loss}:
 * {@code min(epoch / warmup, 1) * (alpha * TCKD + beta * NCKD)}.
 *
 * <ul>
 *   <li>TCKD: KL between the binary splits {@code [p_target, sum p_other]} of teacher and student,
 *       with {@code log} taken directly on the student's split as the reference does (no epsilon);
 *       a split that underflows to 0 yields Inf, which the runtime's non-finite guard reports.</li>
 *   <li>NCKD: KL between {@code softmax(z/T - 1000 * onehot)} of teacher and student, i.e. among the
 *       non-target classes.</li>
 * </ul>
 * Both are summed and divided by the batch size, times {@code T^2}. Targets come as class indices
 * {@code (N)} or as a soft/one-hot matrix {@code (N, K)}, of which the argmax is the class.
 */
@AutoService(DistillLossFactory.class)
public final class DkdLossFactory implements DistillLossFactory {
    /** The reference masks the target class with {@code -1000} before the NCKD softmax. */
    private static final float MASK_SHIFT = 1000f;

    @Override
    public String name() {
        return "dkd";
    }

    @Override
    public String description() {
        return "Decoupled KD: min(epoch/warmup, 1) * (alpha*TCKD + beta*NCKD)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.ofDouble("alpha", 1.0, "weight of TCKD, the target-class term").atLeast(0),
                OptionSpec.ofDouble("beta", 8.0, "weight of NCKD, the non-target-class term (ImageNet 0.5)").atLeast(0),
                OptionSpec.ofDouble("temperature", 4.0, "softmax temperature T (ImageNet 1)").greaterThan(0),
                OptionSpec.ofInt("warmup", 20, "epochs of linear warmup, min(epoch / warmup, 1); 0 for none (ImageNet 1)")
                        .atLeast(0));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.LOGITS, LossInput.TARGETS);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Options o = setup.options();
        return new Dkd((float) o.getDouble("alpha"), (float) o.getDouble("beta"), (float) o.getDouble("temperature"),
                o.getInt("warmup"));
    }

    static final class Dkd implements DistillLoss {
        private final float alpha;
        private final float beta;
        private final float temperature;
        private final int warmup;

        Dkd(float alpha, float beta, float temperature, int warmup) {
            this.alpha = alpha;
            this.beta = beta;
            this.temperature = temperature;
            this.warmup = warmup;
        }

        @Override
        public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
            long n = student.getShape().get(0);
            Targets.Masks masks = Targets.masks(context.targets().orElseThrow(
                    () -> new IllegalArgumentException("dkd needs class targets")), student.getShape(), MASK_SHIFT,
                    context.manager());
            NDArray s = Temperature.student(student, temperature);
            NDArray t = Temperature.teacher(teacher, temperature);

            NDArray splitT = split(t.softmax(1), masks);
            NDArray logPt = t.sub(masks.shift()).logSoftmax(1);
            // Each KL as sum(target * (log target - log student)), differences taken element by element
            // (a cross-entropy minus an entropy would lose digits when student and teacher agree), and
            // the constants applied once to the sums, not to full-size tensors.
            NDArray tckd = splitT.mul(safeLog(splitT).sub(split(s.softmax(1), masks).log())).sum();
            NDArray nckd = logPt.exp().mul(logPt.sub(s.sub(masks.shift()).logSoftmax(1))).sum();
            float scale = temperature * temperature / n * warmupFactor(context.epoch());
            return Scalars.mul(tckd, alpha * scale).add(Scalars.mul(nckd, beta * scale));
        }

        private float warmupFactor(int epoch) {
            return warmup == 0 ? 1f : Math.min((float) epoch / warmup, 1f);
        }

        /** {@code [sum p*gt, sum p*other]} per row, shape {@code (N, 2)}. */
        private static NDArray split(NDArray p, Targets.Masks masks) {
            return p.expandDims(1).mul(masks.split()).sum(new int[] {2});
        }

        /**
         * {@code log(x)}, and a finite value where {@code x = 0}: the term {@code x * log x} is then 0,
         * as PyTorch's {@code kl_div} (xlogy) makes it for its target. Below the smallest normal float
         * the logarithm reads that of the smallest normal, a change of {@code x * log x} below 1e-36.
         * (The teacher's split takes no gradient, so {@code maximum(Number)} is safe here.)
         */
        private static NDArray safeLog(NDArray x) {
            return x.maximum(Float.MIN_NORMAL).log();
        }
    }
}
