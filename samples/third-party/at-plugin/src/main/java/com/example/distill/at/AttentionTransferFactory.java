package com.example.distill.at;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;
import java.util.Set;

/**
 * Attention transfer (Zagoruyko and Komodakis, ICLR 2017): the student mimics the teacher's
 * spatial attention map {@code normalize(mean_C |F|^p)}, so channel counts may differ:
 * {@code L = mean((at(s) - at(t))^2)}.
 */
@AutoService(DistillLossFactory.class)
public final class AttentionTransferFactory implements DistillLossFactory {
    /** F.normalize's floor on the norm. */
    private static final float NORM_EPS = 1e-12f;

    @Override
    public String name() {
        return "at";
    }

    @Override
    public String description() {
        return "Attention transfer: mean((normalize(mean_C F_s^p) - normalize(mean_C F_t^p))^2)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofDouble("p", 2.0, "exponent of the feature map before the channel mean").greaterThan(0));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.FEATURES);
    }

    /** Attention maps compare spatial positions only: channels may differ. */
    @Override
    public boolean requiresEqualShapes() {
        return false;
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        if (s.get(0) != t.get(0) || s.get(2) != t.get(2) || s.get(3) != t.get(3)) {
            throw new InvalidPairException("attention maps need the same batch and spatial size, got student " + s
                    + " and teacher " + t + "; resize one side with an adapter first");
        }
        float p = (float) setup.options().getDouble("p");
        return new DistillLoss() {
            @Override
            public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
                return attention(student, p).sub(attention(teacher.stopGradient(), p)).square().mean();
            }
        };
    }

    static NDArray attention(NDArray feature, float p) {
        // Scalars, not pow(Number) / maximum(Number): backward must be able to read the number (SPI 1.1).
        NDArray map = Scalars.pow(feature, p).mean(new int[] {1}).reshape(feature.getShape().get(0), -1);
        return map.div(Scalars.maximum(map.norm(new int[] {1}, true), NORM_EPS));
    }
}
