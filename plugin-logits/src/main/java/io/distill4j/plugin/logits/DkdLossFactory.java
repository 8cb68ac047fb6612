package io.distill4j.plugin.logits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
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
            NDArray gt = Targets.oneHot(context.targets().orElseThrow(
                    () -> new IllegalArgumentException("dkd needs class targets")), student.getShape());
            NDArray other = gt.neg().add(1f);
            NDArray shift = gt.mul(MASK_SHIFT);
            NDArray s = KdLossFactory.divided(student, temperature);
            NDArray t = KdLossFactory.divided(teacher.stopGradient(), temperature);

            NDArray splitT = split(t.softmax(1), gt, other);
            NDArray logPt = t.sub(shift).logSoftmax(1);
            // Each KL as sum(target * (log target - log student)), differences taken element by element
            // (a cross-entropy minus an entropy would lose digits when student and teacher agree), and
            // the constants applied once to the sums, not to full-size tensors.
            NDArray tckd = splitT.mul(safeLog(splitT).sub(split(s.softmax(1), gt, other).log())).sum();
            NDArray nckd = logPt.exp().mul(logPt.sub(s.sub(shift).logSoftmax(1))).sum();
            float scale = temperature * temperature / n * warmupFactor(context.epoch());
            return Scalars.mul(tckd, alpha * scale).add(Scalars.mul(nckd, beta * scale));
        }

        private float warmupFactor(int epoch) {
            return warmup == 0 ? 1f : Math.min((float) epoch / warmup, 1f);
        }

        /** {@code [sum p*gt, sum p*other]} per row, shape {@code (N, 2)}. */
        private static NDArray split(NDArray p, NDArray gt, NDArray other) {
            return NDArrays.concat(new NDList(p.mul(gt).sum(new int[] {1}, true), p.mul(other).sum(new int[] {1}, true)), 1);
        }

        /**
         * {@code log(x)}, and 0 where {@code x = 0}: the term {@code x * log x} is then 0, as PyTorch's
         * {@code kl_div} (xlogy) makes it for its target.
         */
        private static NDArray safeLog(NDArray x) {
            NDArray positive = x.gt(0f);
            return NDArrays.where(positive, x, x.onesLike()).log();
        }
    }
}
