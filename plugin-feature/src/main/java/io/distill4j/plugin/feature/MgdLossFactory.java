package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.Options;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.BatchInputs;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * MGD, masked generative distillation (Yang et al., ECCV 2022): the student's map, randomly masked,
 * goes through a trainable generator (conv3x3 -> ReLU -> conv3x3) that must reproduce the teacher's:
 * {@code L = alpha * sum((G(s * M) - t)^2) / N}.
 *
 * <p>The mask is {@code (N, 1, H, W)}, zero where {@code rand > 1 - lambda} (detection), or
 * {@code (N, C, 1, 1)}, zero where {@code rand < lambda} (classification). It is drawn from the
 * run's seeded random source, or taken from the batch input {@code mask.<pair>} when present (tests
 * and {@code distill eval} inject the reference's mask that way).
 */
@AutoService(DistillLossFactory.class)
public final class MgdLossFactory implements DistillLossFactory {
    @Override
    public String name() {
        return "mgd";
    }

    @Override
    public String description() {
        return "masked generative distillation: alpha * sum((G(s*M) - t)^2) / N, trainable generator G";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(
                OptionSpec.ofDouble("alpha", 2e-5, "loss factor (RetinaNet 2e-5, classification 7e-5)").atLeast(0),
                OptionSpec.ofDouble("lambda", 0.65, "masked fraction (RetinaNet 0.65, classification 0.15)").atLeast(0).atMost(1),
                OptionSpec.ofChoice("mask", "spatial", "spatial (N,1,H,W) for detection, channel (N,C,1,1) for classification",
                        "spatial", "channel"));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.FEATURES);
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Options o = setup.options();
        FeatureMaps.requireMaps(setup.studentShape(), setup.teacherShape());
        int channels = (int) setup.teacherShape().get(1);
        SequentialBlock generator = new SequentialBlock()
                .add(conv3x3(channels))
                .add(Activation::relu)
                .add(conv3x3(channels));
        return new Mgd(generator, (float) o.getDouble("alpha"), (float) o.getDouble("lambda"),
                o.getString("mask").equals("spatial"));
    }

    private static Conv2d conv3x3(int channels) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(channels).optPadding(new Shape(1, 1)).build();
    }

    static final class Mgd implements DistillLoss {
        private final SequentialBlock generator;
        private final float alpha;
        private final float lambda;
        private final boolean spatial;

        Mgd(SequentialBlock generator, float alpha, float lambda, boolean spatial) {
            this.generator = generator;
            this.alpha = alpha;
            this.lambda = lambda;
            this.spatial = spatial;
        }

        @Override
        public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
            Shape shape = student.getShape();
            Shape maskShape = spatial ? new Shape(shape.get(0), 1, shape.get(2), shape.get(3))
                    : new Shape(shape.get(0), shape.get(1), 1, 1);
            NDArray mask = context.input(BatchInputs.mask(context.pairName())).orElseGet(() -> draw(context, maskShape));
            if (!mask.getShape().equals(maskShape)) {
                throw new IllegalArgumentException(BatchInputs.mask(context.pairName()) + " has shape " + mask.getShape()
                        + ", expected " + maskShape);
            }
            NDArray generated = FeatureMaps.forward(generator, student.mul(mask), context);
            return FeatureMaps.squaredError(generated, teacher, alpha / shape.get(0));
        }

        /** The reference's mask from the run's seeded random source. */
        private NDArray draw(LossContext context, Shape maskShape) {
            Random random = context.random();
            float[] m = new float[(int) maskShape.size()];
            for (int i = 0; i < m.length; i++) {
                float r = random.nextFloat();
                m[i] = spatial ? (r > 1 - lambda ? 0f : 1f) : (r < lambda ? 0f : 1f);
            }
            return context.manager().create(m, maskShape);
        }

        @Override
        public Optional<Block> trainableBlock() {
            return Optional.of(generator);
        }
    }
}
