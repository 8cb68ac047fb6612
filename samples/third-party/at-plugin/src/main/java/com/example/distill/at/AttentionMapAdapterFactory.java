package com.example.distill.at;

import ai.djl.ndarray.types.Shape;
import com.google.auto.service.AutoService;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import java.util.List;

/**
 * {@code at-map}: turns both feature maps into their normalised spatial attention maps {@code (N, H*W)},
 * so any loss on two equal-shaped tensors (Mimic, say) becomes attention transfer. Written against
 * SPI 1.1 (it says its shapes with {@code outputShapes()}), and loaded by 1.2 hosts unchanged.
 */
@AutoService(FeatureAdapterFactory.class)
public final class AttentionMapAdapterFactory implements FeatureAdapterFactory {
    @Override
    public String name() {
        return "at-map";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofDouble("p", 2.0, "exponent of the feature map before the channel mean").greaterThan(0));
    }

    @Override
    public FeatureAdapter create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        if (s.dimension() != 4 || t.dimension() != 4 || s.get(2) * s.get(3) != t.get(2) * t.get(3)) {
            throw new InvalidPairException("attention maps need (N, C, H, W) maps of one spatial size, got student "
                    + s + " and teacher " + t);
        }
        float p = (float) setup.options().getDouble("p");
        Shape out = new Shape(s.get(0), s.get(2) * s.get(3));
        return new FeatureAdapter() {
            @Override
            @SuppressWarnings("deprecation")
            public Shape[] outputShapes() {
                return new Shape[] {out, new Shape(t.get(0), t.get(2) * t.get(3))};
            }

            @Override
            public FeaturePair apply(FeaturePair pair, LossContext context) {
                return FeaturePair.of(AttentionTransferFactory.attention(pair.student(), p),
                        AttentionTransferFactory.attention(pair.teacher().stopGradient(), p));
            }
        };
    }
}
