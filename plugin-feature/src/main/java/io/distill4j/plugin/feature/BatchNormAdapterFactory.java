package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;

/**
 * {@code batchnorm}: {@code BatchNorm2d(affine=False)} applied to the student and to the teacher,
 * each normalised with its own batch statistics (training mode), as the multi-task recipe's FeatureLoss does.
 * No running statistics are kept: the adapter always normalises with the batch at hand.
 */
@AutoService(FeatureAdapterFactory.class)
public final class BatchNormAdapterFactory implements FeatureAdapterFactory {
    private static final int[] STAT_AXES = {0, 2, 3};

    @Override
    public String name() {
        return "batchnorm";
    }

    @Override
    public String description() {
        return "batch norm without affine (batch statistics) on student and teacher";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofDouble("eps", 1e-5, "added to the variance (PyTorch's default)").greaterThan(0));
    }

    @Override
    public FeatureAdapter create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        FeatureMaps.requireMaps(s, t);
        float eps = (float) setup.options().getDouble("eps");
        return new FeatureAdapter() {
            @Override
            public AdapterShapes shapes() {
                return AdapterShapes.of(s, t);
            }

            @Override
            public FeaturePair apply(FeaturePair pair, LossContext context) {
                return FeaturePair.of(normalize(pair.student(), eps), normalize(pair.teacher(), eps));
            }
        };
    }

    /**
     * {@code (x - mean) / sqrt(var + eps)} per channel, with the biased batch variance. Means are sums
     * over the count: DJL's PyTorch engine averages over one axis at a time only.
     */
    static NDArray normalize(NDArray x, float eps) {
        Shape s = x.getShape();
        float count = s.get(0) * s.get(2) * s.get(3);
        NDArray centered = x.sub(Scalars.div(x.sum(STAT_AXES, true), count));
        NDArray variance = Scalars.div(centered.square().sum(STAT_AXES, true), count);
        return centered.div(variance.add(eps).sqrt());
    }
}
