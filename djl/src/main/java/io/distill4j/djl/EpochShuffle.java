package io.distill4j.djl;

import ai.djl.training.Trainer;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.util.Iterator;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * Shuffles the data once per epoch, by a permutation that is a function of the seed and the epoch
 * alone: runs that share it (a teacher, the student alone, the student distilled) see the same
 * batches in the same order, and a resumed run sees the order the uninterrupted one would have.
 * DJL's {@code RandomSampler} draws from one global stream instead, whose position no checkpoint holds.
 *
 * <p>It is also the listener that moves it to the next epoch; add it to the training config:
 *
 * <pre>{@code
 * EpochShuffle shuffle = new EpochShuffle(seed);
 * ArrayDataset train = new ArrayDataset.Builder().setData(x).optLabels(y)
 *         .setSampling(new BatchSampler(shuffle, batchSize, true)).build();
 * config.addTrainingListeners(shuffle);
 * shuffle.startAt(checkpoints.resume(manager) + 1);   // 1 for a fresh run
 * EasyTrain.fit(trainer, epochs, train, test);
 * }</pre>
 */
public final class EpochShuffle extends TrainingListenerAdapter implements Sampler.SubSampler {
    private final long seed;
    private volatile int epoch = 1;

    public EpochShuffle(long seed) {
        this.seed = seed;
    }

    /** The epoch (from 1) whose order the next pass over the data takes: 1 for a new run, k + 1 after k resumed epochs. */
    public void startAt(int nextEpoch) {
        if (nextEpoch < 1) {
            throw new IllegalArgumentException("epochs count from 1, got " + nextEpoch);
        }
        this.epoch = nextEpoch;
    }

    /** The epoch whose order the next pass takes. */
    public int epoch() {
        return epoch;
    }

    @Override
    public void onEpoch(Trainer trainer) {
        epoch++;
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
