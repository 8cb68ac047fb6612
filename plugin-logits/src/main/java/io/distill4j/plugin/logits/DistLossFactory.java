package io.distill4j.plugin.logits;

import ai.djl.ndarray.NDArray;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;
import java.util.Set;

/**
 * DIST (Huang et al., NeurIPS 2022): {@code T^2 * (beta * inter + gamma * intra)}, where
 * {@code inter = 1 - mean over rows of pearson(softmax(s/T), softmax(t/T))} and {@code intra} is
 * the same over classes (the transposes). Pearson adds {@code 1e-8} to the product of norms, as the
 * reference does; {@code cosine_similarity}'s clamped form differs by about 1e-5.
 */
@AutoService(DistillLossFactory.class)
public final class DistLossFactory implements DistillLossFactory {
    private static final float EPS = 1e-8f;

    @Override
    public String name() {
        return "dist";
    }

    @Override
    public String description() {
        return "DIST: T^2 * (beta * inter-class + gamma * intra-class Pearson distance)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.ofDouble("beta", 1.0, "weight of the inter-class (per sample) relation").atLeast(0),
                OptionSpec.ofDouble("gamma", 1.0, "weight of the intra-class (per class) relation").atLeast(0),
                OptionSpec.ofDouble("temperature", 1.0, "softmax temperature T").greaterThan(0));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.LOGITS);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Options o = setup.options();
        float beta = (float) o.getDouble("beta");
        float gamma = (float) o.getDouble("gamma");
        float temperature = (float) o.getDouble("temperature");
        float inter = temperature * temperature * beta;
        float intra = temperature * temperature * gamma;
        return (student, teacher, context) -> {
            long n = student.getShape().get(0);
            long k = student.getShape().get(1);
            NDArray ys = Temperature.student(student, temperature).softmax(1);
            NDArray yt = Temperature.teacher(teacher, temperature).softmax(1);
            // A softmax row sums to 1, so its mean is exactly 1/K: no reduction needed to centre it.
            NDArray rows = pearsonSum(ys.sub(1f / k), yt.sub(1f / k), 1);
            // Classes are columns: centred and reduced along axis 0, without transposing.
            NDArray columns = pearsonSum(ys.sub(ys.mean(new int[] {0}, true)), yt.sub(yt.mean(new int[] {0}, true)), 0);
            // T^2 * (beta * (1 - rows / N) + gamma * (1 - columns / K)), with the constants folded.
            return Scalars.mul(rows, -inter / n).add(Scalars.mul(columns, -intra / k)).add(inter + intra);
        };
    }

    /** The sum over rows (axis 1) or columns (axis 0) of the Pearson correlation of centred {@code a} and {@code b}. */
    private static NDArray pearsonSum(NDArray a, NDArray b, int axis) {
        int[] along = {axis};
        NDArray products = a.mul(b).sum(along);
        return products.div(a.norm(along).mul(b.norm(along)).add(EPS)).sum();
    }
}
