package io.distill4j.djl;

import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DJL {@link Loss} whose accumulators average a value already on the host. DJL's own {@code Loss}
 * averages each batch's {@code evaluate(...).sum()}, read from the device: one synchronisation per
 * evaluator per batch. {@link DistillationLoss} and its term evaluators take the numbers the distiller
 * read in its one transfer of the step instead. The averages are kept as DJL keeps them: float sums
 * per key, NaN before the first batch.
 */
abstract class HostAveragedLoss extends Loss {
    private final Map<String, Float> sums = new ConcurrentHashMap<>();
    private final Map<String, Long> counts = new ConcurrentHashMap<>();

    HostAveragedLoss(String name) {
        super(name);
    }

    /** This batch's value, on the host. */
    abstract float hostValue(NDList labels, NDList predictions);

    @Override
    public final void addAccumulator(String key) {
        sums.put(key, 0f);
        counts.put(key, 0L);
    }

    @Override
    public final void updateAccumulator(String key, NDList labels, NDList predictions) {
        updateAccumulators(new String[] {key}, labels, predictions);
    }

    @Override
    public final void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
        float value = hostValue(labels, predictions);
        for (String key : keys) {
            sums.merge(key, value, Float::sum);
            counts.merge(key, 1L, Long::sum);
        }
    }

    @Override
    public final void resetAccumulator(String key) {
        sums.computeIfPresent(key, (k, v) -> 0f);
        counts.computeIfPresent(key, (k, v) -> 0L);
    }

    @Override
    public final float getAccumulator(String key) {
        Long n = counts.get(key);
        if (n == null) {
            throw new IllegalArgumentException("no accumulator named '" + key + "': add it first (addAccumulator)");
        }
        return n == 0 ? Float.NaN : sums.get(key) / n;
    }
}
