package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.Scalars;
import java.util.List;

/**
 * {@code resize}: brings one side's spatial size to the other's. A larger map is average-pooled by
 * its integer factor (what {@code adaptive_avg_pool2d} does for divisible sizes); a smaller one is
 * repeated (nearest-neighbour upsampling). Sizes that are not integer multiples are refused at plan
 * time.
 */
@AutoService(FeatureAdapterFactory.class)
public final class ResizeAdapterFactory implements FeatureAdapterFactory {
    @Override
    public String name() {
        return "resize";
    }

    @Override
    public String description() {
        return "match spatial sizes: average-pool the larger map, or repeat the smaller (integer factors)";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofChoice("to", "teacher", "whose spatial size both sides take", "teacher", "student"));
    }

    @Override
    public FeatureAdapter create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        FeatureMaps.requireMaps(s, t);
        boolean toTeacher = setup.options().getString("to").equals("teacher");
        Shape from = toTeacher ? s : t;
        Shape target = toTeacher ? t : s;
        int[] factors = {factor(from.get(2), target.get(2)), factor(from.get(3), target.get(3))};
        Shape resized = new Shape(from.get(0), from.get(1), target.get(2), target.get(3));
        return new FeatureAdapter() {
            @Override
            public AdapterShapes shapes() {
                return toTeacher ? AdapterShapes.of(resized, t) : AdapterShapes.of(s, resized);
            }

            @Override
            public FeaturePair apply(FeaturePair pair, LossContext context) {
                return toTeacher ? FeaturePair.of(resize(pair.student(), factors), pair.teacher())
                        : FeaturePair.of(pair.student(), resize(pair.teacher(), factors));
            }
        };
    }

    /** Positive: pool by that factor; negative: repeat by its magnitude; 1: unchanged. */
    private static int factor(long from, long to) {
        if (from >= to && from % to == 0) {
            return (int) (from / to);
        }
        if (to > from && to % from == 0) {
            return (int) -(to / from);
        }
        throw new InvalidPairException("cannot resize " + from + " to " + to + ": only integer factors are supported");
    }

    private static NDArray resize(NDArray x, int[] factors) {
        Shape shape = x.getShape();
        NDArray out = x;
        if (factors[0] > 1 || factors[1] > 1) {
            int fh = Math.max(factors[0], 1);
            int fw = Math.max(factors[1], 1);
            // A sum over the count: DJL's PyTorch engine averages over one axis at a time only.
            out = Scalars.div(out.reshape(shape.get(0), shape.get(1), shape.get(2) / fh, fh, shape.get(3) / fw, fw)
                    .sum(new int[] {3, 5}), (float) (fh * fw));
        }
        if (factors[0] < -1) {
            out = out.repeat(2, -factors[0]);
        }
        if (factors[1] < -1) {
            out = out.repeat(3, -factors[1]);
        }
        return out;
    }
}
