package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.distill4j.spi.LossContext;
import java.util.Optional;
import java.util.Random;

/** The {@link LossContext} a pair's adapters and losses see during one step. */
final class StepContext implements LossContext {
    private final DistillBatch batch;
    private final String pair;
    private final long runSeed;
    private Random random;

    StepContext(DistillBatch batch, String pair, long runSeed) {
        this.batch = batch;
        this.pair = pair;
        this.runSeed = runSeed;
    }

    @Override
    public long step() {
        return batch.step();
    }

    @Override
    public int epoch() {
        return batch.epoch();
    }

    @Override
    public boolean training() {
        return batch.training();
    }

    @Override
    public String pairName() {
        return pair;
    }

    @Override
    public NDManager manager() {
        return batch.manager();
    }

    @Override
    public Optional<NDArray> targets() {
        return batch.targets();
    }

    @Override
    public Optional<NDArray> input(String key) {
        return batch.input(key);
    }

    /** Through the Trainer's parameter store when the batch carries one, else the parameters the block holds. */
    @Override
    public NDList forward(Block block, NDList inputs) {
        return batch.parameterStore().map(ps -> block.forward(ps, inputs, training()))
                .orElseGet(() -> LossContext.super.forward(block, inputs));
    }

    /**
     * Seeded by the run's seed, the step and the pair, not drawn from one stream for the whole run:
     * a step draws the same masks whether the run went through uninterrupted or resumed before it.
     */
    @Override
    public Random random() {
        if (random == null) {
            random = new Random(mix(runSeed ^ mix(batch.step() * 0x9E3779B97F4A7C15L + pair.hashCode())));
        }
        return random;
    }

    /** SplitMix64's finalizer: nearby steps get unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
