package io.distill4j.spi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Optional;
import java.util.Random;

/**
 * Everything about the current step that a loss or adapter may read besides its pair's tensors.
 *
 * <p>Implemented by the runtime; new accessors arrive as default methods.
 */
public interface LossContext {
    /**
     * The global training step, counting from 0.
     *
     * @return the global training step, counting from 0
     */
    long step();

    /**
     * The epoch, counting from 1 (DKD's warmup is {@code min(epoch / warmup, 1)}).
     *
     * @return the epoch, counting from 1 (DKD's warmup is {@code min(epoch / warmup, 1)})
     */
    int epoch();

    /**
     * Whether this is a training step (batch statistics, random masks) rather than evaluation.
     *
     * @return whether this is a training step (batch statistics, random masks) rather than evaluation
     */
    boolean training();

    /**
     * The name of the layer pair being computed.
     *
     * @return the name of the layer pair being computed
     */
    String pairName();

    /**
     * The manager of this step: arrays a loss creates (masks, constants) belong here so they are
     * freed when the step ends.
     *
     * @return the manager of this step: arrays a loss creates (masks, constants) belong here so they are freed when the step ends
     */
    NDManager manager();

    /**
     * The class targets of the batch: indices {@code (N)} or a soft/one-hot matrix {@code (N, K)}.
     *
     * @return the class targets of the batch: indices {@code (N)} or a soft/one-hot matrix {@code (N, K)}
     */
    Optional<NDArray> targets();

    /**
     * A further named input of the batch, for example an injected mask ({@code mask.<pair>}) or
     * detection ground truth; empty when the batch has none under that key.
     * @param key the option's name
     * @return a further named input of the batch, for example an injected mask ({@code mask.<pair>}) or detection ground truth; empty when the batch has none under that key
     */
    Optional<NDArray> input(String key);

    /**
     * A random source seeded by the run's seed, the step and the pair: a run with the same seed
     * draws the same masks at the same step, also when it was resumed from a checkpoint.
     *
     * @return a random source seeded by the run's seed, the step and the pair: a run with the same seed draws the same masks at the same step, also when it was resumed from a checkpoint
     */
    Random random();

    /**
     * Runs one of the plugin's own trainable blocks (the block its {@code trainableBlock()} returns,
     * or a child of it) on {@code inputs} in this step's mode ({@link #training()}).
     *
     * <p>Call this rather than {@code block.forward(new ParameterStore(...), ...)}: inside a DJL
     * {@code Trainer} the runtime passes the Trainer's {@code ParameterStore}, which hands each
     * device its own copy of the parameters and collects their gradients there; a store of the
     * plugin's own reads the parameters' first copy, which is wrong once the Trainer holds several
     * devices. Outside a Trainer it reads the parameters the block holds.
     *
     * @param block a trainable block of this plugin
     * @param inputs the block's inputs
     * @return the block's outputs
     * @since 1.2 (experimental: tested on one device; its contract on several may still change)
     */
    @Experimental
    default NDList forward(Block block, NDList inputs) {
        return block.forward(new ParameterStore(manager(), false), inputs, training());
    }
}
