package io.distill4j.plugin.feature;

import com.google.auto.service.AutoService;
import ai.djl.ndarray.types.Shape;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import java.util.List;

/** {@code identity}: passes both tensors through unchanged (a placeholder in shared configs). */
@AutoService(FeatureAdapterFactory.class)
public final class IdentityAdapterFactory implements FeatureAdapterFactory {
    @Override
    public String name() {
        return "identity";
    }

    @Override
    public String description() {
        return "passes student and teacher through unchanged";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of();
    }

    @Override
    public FeatureAdapter create(PairSetup setup) {
        AdapterShapes shapes = AdapterShapes.of(setup.studentShape(), setup.teacherShape());
        return new FeatureAdapter() {
            @Override
            public AdapterShapes shapes() {
                return shapes;
            }

            @Override
            public FeaturePair apply(FeaturePair pair, LossContext context) {
                return pair;
            }
        };
    }
}
