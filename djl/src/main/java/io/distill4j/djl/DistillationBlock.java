package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.distill4j.runtime.DistillationParts;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.plan.DistillPlan;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a DJL {@code Trainer} trains when a student is distilled: the student and the distillation's
 * trainable parts (adapters' convolutions, MGD's generators, TaT's embeddings, FGD's align conv and
 * GcBlocks) as its children, so the Trainer's optimizer updates both and the model's parameter file
 * holds both. The teacher is not a child: it is frozen when the block is built, runs in inference
 * mode (its batch-norm statistics untouched) on every batch, and its outputs are detached.
 *
 * <p>Forward returns the student's named outputs followed by the teacher's; {@link DistillationLoss}
 * takes them apart. Use it as the model's block:
 *
 * <pre>{@code
 * DistillationBlock block = new DistillationBlock(plan, TappedModel.of(student).tap("s3", "3"),
 *         TappedModel.of(teacher).tap("s3", "4"));
 * model.setBlock(block);
 * DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
 * }</pre>
 *
 * <p>The layer pairs of the plan are bound to the models' output shapes when the block is
 * initialised ({@code trainer.initialize(inputShape)}); a pair that names an output neither model
 * has, or whose shapes no configured adapter reconciles, fails there, before the first step.
 */
public final class DistillationBlock extends AbstractBlock {
    private final DistillPlan plan;
    private final TappedModel student;
    private final TappedModel teacher;
    private final TrainingProgress progress = new TrainingProgress();
    private Distiller distiller;
    private boolean lastForwardTraining;

    /**
     * @param plan the distillation plan (an experiment file's {@code distill4j} block)
     * @param student the student and its named outputs; trained
     * @param teacher the trained teacher and its named outputs; frozen here
     */
    public DistillationBlock(DistillPlan plan, TappedModel student, TappedModel teacher) {
        super((byte) 1);
        this.plan = Objects.requireNonNull(plan, "plan");
        this.student = addChildBlock("student", Objects.requireNonNull(student, "student"));
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        teacher.freezeParameters(true);
    }

    /** The student: after training, save or export it alone ({@code student().inner()} is the user's block). */
    public TappedModel student() {
        return student;
    }

    /** The frozen teacher. */
    public TappedModel teacher() {
        return teacher;
    }

    /** The plan this block distills under. */
    public DistillPlan plan() {
        return plan;
    }

    /** Where training is (step, epoch), kept by {@link DistillationListener} for schedules, warmups and masks. */
    public TrainingProgress progress() {
        return progress;
    }

    /**
     * The distiller bound to the models' shapes.
     *
     * @throws IllegalStateException before the block is initialised
     */
    public Distiller distiller() {
        if (distiller == null) {
            throw new IllegalStateException("the distillation block is not initialised yet: call trainer.initialize(inputShape)");
        }
        return distiller;
    }

    /** Whether the last forward pass was a training one (batch statistics, random masks) or evaluation. */
    boolean lastForwardTraining() {
        return lastForwardTraining;
    }

    /** How many of forward's outputs are the student's; the rest are the teacher's. */
    public int studentOutputCount() {
        return student.outputNames().size();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        lastForwardTraining = training;
        NDList out = new NDList(student.forward(ps, inputs, training, params));
        // Inference mode and detached outputs: the teacher adds nothing to the graph and keeps its statistics.
        NDList fromTeacher = teacher.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false, null);
        for (NDArray t : fromTeacher) {
            out.add(t.stopGradient());
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        student.initialize(manager, dataType, inputShapes);
        if (!teacher.isInitialized()) {
            throw new IllegalStateException("the teacher is not initialised: train it or load its parameters before"
                    + " distilling from it");
        }
        if (distiller == null) {
            distiller = Distiller.create(plan, shapes(student, manager, inputShapes), shapes(teacher, manager, inputShapes));
            DistillationParts parts = distiller.trainableParts();
            if (!parts.isEmpty()) {
                addChildBlock("distill", parts);
            }
        }
        if (!distiller.trainableParts().isEmpty()) {
            distiller.trainableParts().initialize(manager, dataType);
        }
    }

    /** Each named output's shape, by one inference pass on zeros (a tap's shape is known no other way). */
    private static Map<String, Shape> shapes(TappedModel model, NDManager manager, Shape... inputShapes) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager probe = manager.newSubManager()) {
            NDList in = new NDList();
            for (Shape s : inputShapes) {
                in.add(probe.zeros(s));
            }
            NDList out = model.forward(new ParameterStore(probe, false), in, false, null);
            List<String> names = model.outputNames();
            for (int i = 0; i < names.size(); i++) {
                shapes.put(names.get(i), out.get(i).getShape());
            }
        }
        return shapes;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] s = student.getOutputShapes(inputShapes);
        Shape[] t = teacher.getOutputShapes(inputShapes);
        Shape[] all = new Shape[s.length + t.length];
        System.arraycopy(s, 0, all, 0, s.length);
        System.arraycopy(t, 0, all, s.length, t.length);
        return all;
    }

    /** The step and epoch of training, as the loss's schedules and DKD's warmup read them. */
    public static final class TrainingProgress {
        private long step;
        private int epoch = 1;

        /** The global training step, from 0. */
        public long step() {
            return step;
        }

        /** The epoch, from 1. */
        public int epoch() {
            return epoch;
        }

        /** Continues from a checkpoint: the next step is {@code step}, in epoch {@code epoch}. */
        public void resumeAt(long nextStep, int currentEpoch) {
            if (nextStep < 0 || currentEpoch < 1) {
                throw new IllegalArgumentException("step must be >= 0 and epoch >= 1, got " + nextStep + ", " + currentEpoch);
            }
            this.step = nextStep;
            this.epoch = currentEpoch;
        }

        void stepDone() {
            step++;
        }

        void epochDone() {
            epoch++;
        }
    }
}
