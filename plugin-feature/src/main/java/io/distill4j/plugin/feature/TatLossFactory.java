package io.distill4j.plugin.feature;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import com.google.auto.service.AutoService;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import io.distill4j.spi.PairSetup;
import io.distill4j.spi.PartsBlock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * TaT, target-aware transformer (Lin et al., CVPR 2022): each student position gathers the student
 * values by its similarity to every teacher position, and the result must match the teacher.
 * Query and value are the student through separate trainable embeddings (3x3 conv without bias,
 * then BatchNorm, as the reference's {@code Embed}); the key is the teacher as is. Per head,
 * {@code out = softmax(q k^T) v} (no 1/sqrt(d) scaling, as the reference), and
 * {@code L = mean((out - t)^2)}. Student channels may differ from the teacher's: the embeddings map
 * them; batch and spatial sizes must agree.
 */
@AutoService(DistillLossFactory.class)
public final class TatLossFactory implements DistillLossFactory {
    @Override
    public String name() {
        return "tat";
    }

    @Override
    public String description() {
        return "target-aware transformer: mean((softmax(q k^T) v - t)^2), trainable query/value embeddings";
    }

    @Override
    public List<OptionSpec> options() {
        return List.of(OptionSpec.ofInt("heads", 1, "attention heads; the teacher's channels must divide by it").atLeast(1));
    }

    @Override
    public Set<LossInput> inputs() {
        return Set.of(LossInput.FEATURES);
    }

    /** The embeddings map student channels to the teacher's; only batch and spatial sizes must agree. */
    @Override
    public boolean requiresEqualShapes() {
        return false;
    }

    @Override
    public DistillLoss create(PairSetup setup) {
        Shape s = setup.studentShape();
        Shape t = setup.teacherShape();
        FeatureMaps.requireMaps(s, t);
        if (s.get(0) != t.get(0) || s.get(2) != t.get(2) || s.get(3) != t.get(3)) {
            throw new InvalidPairException("needs the same batch and spatial size on both sides, got student " + s
                    + " and teacher " + t + "; add { type = resize } to the pair's adapters");
        }
        int heads = setup.options().getInt("heads");
        int channels = (int) t.get(1);
        if (channels % heads != 0) {
            throw new InvalidPairException("the teacher's " + channels + " channels do not split into " + heads + " heads");
        }
        Block query = embed(channels);
        Block value = embed(channels);
        PartsBlock parts = new PartsBlock().add("query", query).add("value", value);
        return new DistillLoss() {
            @Override
            public NDArray compute(NDArray student, NDArray teacher, LossContext context) {
                NDArray key = teacher.stopGradient();
                NDArray q = heads(FeatureMaps.forward(query, student, context), heads);
                NDArray v = heads(FeatureMaps.forward(value, student, context), heads);
                NDArray k = heads(key, heads);
                NDArray attention = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
                NDArray out = attention.matMul(v).transpose(0, 1, 3, 2).reshape(key.getShape());
                return FeatureMaps.squaredError(out, key, 1f / key.getShape().size());
            }

            @Override
            public Optional<Block> trainableBlock() {
                return Optional.of(parts);
            }
        };
    }

    /** The reference's Embed: conv3x3 (no bias, padding 1) then BatchNorm2d. */
    private static Block embed(int channels) {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(channels).optPadding(new Shape(1, 1))
                        .optBias(false).build())
                .add(BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build());
    }

    /** {@code (N, h*d, H, W) -> (N, h, H*W, d)}, einops' {@code b (h d) x y -> b h (x y) d}. */
    private static NDArray heads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), heads, s.get(1) / heads, s.get(2) * s.get(3)).transpose(0, 1, 3, 2);
    }
}
