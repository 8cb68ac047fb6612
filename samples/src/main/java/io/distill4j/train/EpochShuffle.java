package io.distill4j.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.Iterator;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * Shuffles the data once per epoch, by a permutation that is a function of the seed and the epoch
 * alone: every run of the job (teacher, student alone, distilled) sees the same batches in the same
 * order, and a resumed run sees the order the uninterrupted one would have. DJL's
 * {@code RandomSampler} draws from one global stream instead, whose position a checkpoint cannot hold.
 */
final class EpochShuffle implements Sampler.SubSampler {
    private final long seed;
    private volatile int epoch = 1;

    EpochShuffle(long seed) {
        this.seed = seed;
    }

    /** The epoch whose order the next pass over the data takes (from 1). */
    void epoch(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        long[] order = LongStream.range(0, dataset.size()).toArray();
        Random random = new Random(seed * 1_000_003L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return LongStream.of(order).iterator();
    }
}
