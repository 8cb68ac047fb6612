package io.distill4j.plugin.feature;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import com.google.auto.service.AutoService;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeatureAdapterFactory;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import java.util.List;
import java.util.Optional;

/**
 * {@code conv1x1}: a trainable 1x1 convolution from the student's channels to the teacher's, on the
 * student side only (the multi-task recipe's {@code align_module}; FGD's and MGD's {@code align}).
 */
@AutoService(FeatureAdapterFactory.class)
public final class Conv1x1AdapterFactory implements FeatureAdapterFactory {
    @Override
    public String name() {
        return "conv1x1";
    }

    @Override
    public String description() {
        return "trainable 1x1 convolution: student channels -> teacher channels";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofBoolean("bias", true, "whether the convolution has a bias (PyTorch's default)"));
    }

    @Override
    public FeatureAdapter create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        FeatureMaps.requireMaps(s, t);
        Conv2d conv = Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters((int) t.get(1))
                .optBias(setup.options().getBoolean("bias")).build();
        Shape out = new Shape(s.get(0), t.get(1), s.get(2), s.get(3));
        return new FeatureAdapter() {
            @Override
            public AdapterShapes shapes() {
                return AdapterShapes.of(out, t);
            }

            @Override
            public FeaturePair apply(FeaturePair pair, LossContext context) {
                return FeaturePair.of(FeatureMaps.forward(conv, pair.student(), context), pair.teacher());
            }

            @Override
            public Optional<Block> trainableBlock() {
                return Optional.of(conv);
            }
        };
    }
}
