package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step's inputs to the {@link Distiller}: the named student and teacher tensors, the optional
 * task loss, targets and further inputs, and where in training the step is.
 *
 * <p>Build it inside the step's sub-manager and attach the teacher's tensors to that manager, so
 * that everything the step creates is freed when it closes (DJL's results belong to the manager of
 * their first operand).
 */
public final class DistillBatch {
    private final NDManager manager;
    private final Map<String, NDArray> student;
    private final Map<String, NDArray> teacher;
    private final Map<String, NDArray> inputs;
    private final NDArray targets;
    /** {@link #targets}, as the losses read it: class indices given as floats become INT64 on first use. */
    private NDArray lossTargets;
    private final NDArray taskLoss;
    private final long step;
    private final int epoch;
    private final boolean training;
    private final ParameterStore parameterStore;

    private DistillBatch(Builder b) {
        this.manager = b.manager;
        this.student = Map.copyOf(b.student);
        this.teacher = Map.copyOf(b.teacher);
        this.inputs = Map.copyOf(b.inputs);
        this.targets = b.targets;
        this.taskLoss = b.taskLoss;
        this.step = b.step;
        this.epoch = b.epoch;
        this.training = b.training;
        this.parameterStore = b.parameterStore;
    }

    /** A builder whose arrays belong to {@code stepManager}. */
    public static Builder builder(NDManager stepManager) {
        return new Builder(stepManager);
    }

    NDManager manager() {
        return manager;
    }

    Map<String, NDArray> student() {
        return student;
    }

    Map<String, NDArray> teacher() {
        return teacher;
    }

    /** The targets as the losses read them (class indices given as floats converted to INT64, once). */
    Optional<NDArray> targets() {
        if (lossTargets == null && targets != null) {
            // Converted only when a loss reads them: a step whose terms take no targets (KD) spares the op.
            lossTargets = targets.getShape().dimension() == 1 && targets.getDataType().isFloating()
                    ? targets.toType(DataType.INT64, false) : targets;
        }
        return Optional.ofNullable(lossTargets);
    }

    /** The targets as given, without the conversion (for checks that need only their shape and type). */
    Optional<NDArray> givenTargets() {
        return Optional.ofNullable(targets);
    }

    Optional<NDArray> input(String key) {
        return Optional.ofNullable(inputs.get(key));
    }

    Optional<NDArray> taskLoss() {
        return Optional.ofNullable(taskLoss);
    }

    long step() {
        return step;
    }

    int epoch() {
        return epoch;
    }

    boolean training() {
        return training;
    }

    Optional<ParameterStore> parameterStore() {
        return Optional.ofNullable(parameterStore);
    }

    /** Builds a {@link DistillBatch}. */
    public static final class Builder {
        private final NDManager manager;
        private final Map<String, NDArray> student = new LinkedHashMap<>();
        private final Map<String, NDArray> teacher = new LinkedHashMap<>();
        private final Map<String, NDArray> inputs = new LinkedHashMap<>();
        private NDArray targets;
        private NDArray taskLoss;
        private long step;
        private int epoch = 1;
        private boolean training = true;
        private ParameterStore parameterStore;

        private Builder(NDManager manager) {
            this.manager = Objects.requireNonNull(manager, "manager");
        }

        /** A student feature or logits tensor, under the name pairs refer to. */
        public Builder student(String name, NDArray array) {
            student.put(name, Objects.requireNonNull(array, name));
            return this;
        }

        /** A teacher tensor; it is detached from any gradient. */
        public Builder teacher(String name, NDArray array) {
            teacher.put(name, Objects.requireNonNull(array, name));
            return this;
        }

        /**
         * Class targets: indices {@code (N)} or a matrix {@code (N, K)}. Indices given as floats, as DJL's
         * datasets hand them over, reach the losses as INT64.
         */
        public Builder targets(NDArray array) {
            this.targets = array;
            return this;
        }

        /** A further named input, for example {@code mask.<pair>}. */
        public Builder input(String key, NDArray array) {
            inputs.put(key, Objects.requireNonNull(array, key));
            return this;
        }

        /** The student's own task loss, weighted by the plan's task-loss weight. */
        public Builder taskLoss(NDArray loss) {
            this.taskLoss = loss;
            return this;
        }

        /** The global step, from 0. */
        public Builder step(long value) {
            this.step = value;
            return this;
        }

        /** The epoch, from 1. */
        public Builder epoch(int value) {
            this.epoch = value;
            return this;
        }

        /** Training (the default) or evaluation. */
        /**
         * The store through which the trainable parts read their parameters: a DJL {@code Trainer}'s,
         * so that each device uses its own copy. Without one, parts read the parameters they hold.
         */
        public Builder parameterStore(ParameterStore store) {
            this.parameterStore = store;
            return this;
        }

        public Builder training(boolean value) {
            this.training = value;
            return this;
        }

        /** The batch. */
        public DistillBatch build() {
            return new DistillBatch(this);
        }
    }
}
