package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.PairList;
import io.distill4j.runtime.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SGD with momentum, the update of DJL's {@code Sgd} (the same fused {@code sgdUpdate}), whose
 * momentum buffers can be saved and restored: DJL keeps {@code Sgd}'s private, so a run resumed
 * with it would restart every buffer at zero. Buffers are written under the block's parameter names,
 * which are stable across processes, unlike DJL's parameter ids.
 */
public final class CheckpointableSgd extends Optimizer {
    private final Tracker learningRate;
    private final float momentum;
    /** By parameter id, owned by the parameter's manager, so they live as long as the model. */
    private final Map<String, NDArray> velocities = new ConcurrentHashMap<>();
    /** Updates of each parameter since this optimizer was made (or resumed): the schedule's clock. */
    private final Map<String, Integer> updates = new ConcurrentHashMap<>();
    /** Updates done before a resume: a resumed run continues its schedule, it does not restart it. */
    private volatile int resumedAfter;

    private CheckpointableSgd(Builder builder, Tracker learningRate, float momentum) {
        super(builder);
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    /**
     * A learning rate that follows a DJL {@link Tracker} of the update count (for example
     * {@code Tracker.cosine()}), as DJL's {@code Sgd} follows its tracker; the count survives a
     * checkpoint (see {@link #resumeAt}).
     *
     * @param clipGradient element-wise clip of the gradient, or 0 for none
     */
    public static CheckpointableSgd of(Tracker learningRate, float momentum, float clipGradient) {
        Builder b = new Builder();
        if (clipGradient > 0) {
            b.optClipGrad(clipGradient);
        }
        return new CheckpointableSgd(b, learningRate, momentum);
    }

    /** Continues the schedule after {@code steps} updates (a resumed run: every parameter was updated once per step). */
    public void resumeAt(long steps) {
        resumedAfter = Math.toIntExact(steps);
        updates.clear();
    }

    /**
     * A fixed learning rate and momentum, as {@code Optimizer.sgd().setLearningRateTracker(Tracker.fixed(lr))
     * .optMomentum(m)}: the same update.
     *
     * @param clipGradient element-wise clip of the gradient, or 0 for none
     */
    public static CheckpointableSgd of(float learningRate, float momentum, float clipGradient) {
        return of(Tracker.fixed(learningRate), momentum, clipGradient);
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        NDArray velocity = velocities.computeIfAbsent(parameterId, id -> weight.zerosLike());
        // DJL's trackers count updates from 1, as DJL's Sgd passes them.
        int update = resumedAfter + updates.merge(parameterId, 1, Integer::sum);
        float lr = learningRate.getNewValue(parameterId, update);
        weight.getNDArrayInternal().sgdUpdate(new NDList(weight, grad, velocity), new NDList(weight), lr,
                getWeightDecay(), rescaleGrad, clipGrad, momentum, true);
    }

    /** Writes the momentum buffers of the parameters that have one, named as in {@code parameters}. */
    public void save(PairList<String, Parameter> parameters, Path file) throws IOException {
        NDList list = new NDList();
        for (var p : parameters) {
            NDArray v = velocities.get(p.getValue().getId());
            if (v != null) {
                v.setName(p.getKey());
                list.add(v);
            }
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            list.encode(out);
        }
    }

    /**
     * Restores buffers written by {@link #save} for the same block.
     *
     * @throws InvalidInputException when the file names a parameter the block does not have
     */
    public void load(PairList<String, Parameter> parameters, Path file, NDManager manager) throws IOException {
        Map<String, Parameter> byName = new HashMap<>();
        parameters.forEach(p -> byName.put(p.getKey(), p.getValue()));
        NDList list;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            list = NDList.decode(manager, in);
        } catch (IOException | RuntimeException e) { // garbage, or a file cut short (EOF)
            throw new InvalidInputException(file + ": unreadable optimizer state (" + e + ")");
        }
        for (NDArray v : list) {
            Parameter p = byName.get(v.getName());
            if (p == null || !p.getArray().getShape().equals(v.getShape())) {
                throw new InvalidInputException(file + ": optimizer state for '" + v.getName()
                        + "', which this model does not have (or not of shape " + v.getShape() + ")");
            }
            velocities.put(p.getId(), v);
        }
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
