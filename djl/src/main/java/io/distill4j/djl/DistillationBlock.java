package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.distill4j.runtime.DistillationParts;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Problem;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.PairPlan;
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
    /** The teachers by name; a single unnamed teacher is under "". */
    private final Map<String, TappedModel> teachers;
    private final TrainingProgress progress = new TrainingProgress();
    private Distiller distiller;
    private boolean lastForwardTraining;
    private ParameterStore lastParameterStore;
    private boolean teacherInEvaluation = true;

    /**
     * @param plan the distillation plan (an experiment file's {@code distill4j} block)
     * @param student the student and its named outputs; trained
     * @param teacher the trained teacher and its named outputs; frozen here
     */
    public DistillationBlock(DistillPlan plan, TappedModel student, TappedModel teacher) {
        this(plan, student, Map.of("", Objects.requireNonNull(teacher, "teacher")));
    }

    /**
     * A student distilled from several teachers: pairs name a teacher's output as
     * {@code <teacher>.<output>} (for example {@code teacher = big.logits}).
     *
     * <p>With one teacher or several, a pair may also take its teacher tensor from the student
     * itself, {@code teacher = student.<output>} (self-distillation: a deeper tap teaches a shallower
     * one); that tensor is detached, so the deeper layers are not pulled towards the shallower.
     *
     * @param teachers the trained teachers by name, in order; each is frozen here
     */
    public DistillationBlock(DistillPlan plan, TappedModel student, Map<String, TappedModel> teachers) {
        super((byte) 1);
        this.plan = Objects.requireNonNull(plan, "plan");
        this.student = addChildBlock("student", Objects.requireNonNull(student, "student"));
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("name at least one teacher");
        }
        for (String name : teachers.keySet()) {
            if ((teachers.size() > 1 || !name.isEmpty()) && !name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
                throw new IllegalArgumentException("teacher name '" + name + "': use letters, digits, '_' and '-'");
            }
            if (name.equals(SELF)) {
                throw new IllegalArgumentException("'" + SELF + "' names the student's own outputs; give the teacher another name");
            }
        }
        this.teachers = new LinkedHashMap<>(teachers);
        this.teachers.values().forEach(t -> t.freezeParameters(true));
        this.indexed = this.teachers.values().stream().anyMatch(DistillationBlock::cached);
    }

    /** Whether a teacher reads stored outputs: then the batch's last input is the sample indices, not the student's. */
    private final boolean indexed;

    private static boolean cached(TappedModel teacher) {
        return teacher.inner() instanceof CachedTeacher;
    }

    /** The inputs the student (and every teacher that runs) takes: all but the sample indices of stored outputs. */
    private NDList modelInputs(NDList inputs) {
        return indexed ? inputs.subNDList(0, inputs.size() - 1) : inputs;
    }

    private Shape[] modelInputs(Shape[] shapes) {
        return indexed ? java.util.Arrays.copyOf(shapes, shapes.length - 1) : shapes;
    }

    /** The prefix by which a pair takes its teacher tensor from the student itself. */
    public static final String SELF = "student";

    /** The student: after training, save or export it alone ({@code student().inner()} is the user's block). */
    public TappedModel student() {
        return student;
    }

    /** The frozen teachers by name (one teacher alone is under the empty name). */
    public Map<String, TappedModel> teachers() {
        return java.util.Collections.unmodifiableMap(teachers);
    }

    /**
     * The names of the teachers' outputs as pairs refer to them, in the order forward returns them:
     * {@code <output>} for a single teacher given alone, {@code <teacher>.<output>} otherwise.
     */
    public List<String> teacherOutputNames() {
        List<String> names = new java.util.ArrayList<>();
        teachers.forEach((teacher, model) -> model.outputNames()
                .forEach(o -> names.add(teacher.isEmpty() ? o : teacher + "." + o)));
        return names;
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

    /** The Trainer's parameter store of the last forward pass: the trainable parts run through it too. */
    ParameterStore lastParameterStore() {
        return lastParameterStore;
    }

    /**
     * Whether an evaluation pass ({@code training = false}: DJL's validation, {@code Trainer.evaluate})
     * runs the teachers too. By default it does, so that the validation loss and the term evaluators
     * are the distillation's. Set false when the evaluation reads the student's outputs only (its
     * accuracy, say): forward then returns the student's outputs alone, a teacher's forward costs
     * nothing outside training, and {@link DistillationLoss} reports the weighted task loss for such a
     * pass (its term evaluators refuse it, naming the term).
     */
    public DistillationBlock teacherInEvaluation(boolean run) {
        this.teacherInEvaluation = run;
        return this;
    }

    /** Whether evaluation passes run the teachers ({@link #teacherInEvaluation(boolean)}). */
    public boolean teacherInEvaluation() {
        return teacherInEvaluation;
    }

    /** How many of forward's outputs are the student's; the rest are the teacher's. */
    public int studentOutputCount() {
        return student.outputNames().size();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        lastForwardTraining = training;
        lastParameterStore = ps;
        NDList models = modelInputs(inputs);
        NDList out = new NDList(student.forward(ps, models, training, params));
        if (!training && !teacherInEvaluation) {
            return out;
        }
        // Inference mode and detached outputs: the teacher adds nothing to the graph and keeps its statistics.
        ParameterStore frozen = new ParameterStore(inputs.head().getManager(), false);
        for (TappedModel teacher : teachers.values()) {
            boolean stored = cached(teacher);
            for (NDArray t : teacher.forward(frozen, stored ? inputs : models, false, null)) {
                // Stored outputs come off the disk with no graph behind them: nothing to detach.
                out.add(stored ? t : t.stopGradient());
            }
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        student.initialize(manager, dataType, modelInputs(inputShapes));
        teachers.forEach((name, teacher) -> {
            // Every parameter holds values: a TorchScript module has its own (and reports no DJL initialisation).
            if (!teacher.getParameters().values().stream().allMatch(ai.djl.nn.Parameter::isInitialized)) {
                throw new IllegalStateException("the teacher" + (name.isEmpty() ? "" : " '" + name + "'") + " is not"
                        + " initialised: train it or load its parameters before distilling from it");
            }
        });
        if (distiller == null) {
            Map<String, Map<String, Shape>> teacherShapes = new LinkedHashMap<>();
            teachers.forEach((name, teacher) -> teacherShapes.put(name, shapes(teacher, manager,
                    cached(teacher) ? inputShapes : modelInputs(inputShapes))));
            distiller = bind(plan, shapes(student, manager, modelInputs(inputShapes)), teacherShapes);
            DistillationParts parts = distiller.trainableParts();
            if (!parts.isEmpty()) {
                addChildBlock("distill", parts);
            }
        }
        if (!distiller.trainableParts().isEmpty()) {
            distiller.trainableParts().initialize(manager, dataType);
        }
    }

    /**
     * Checks a plan against the models' output shapes as {@code trainer.initialize} will, without the
     * models: a tool that knows the shapes (from its configuration) finds a wrong pair before it spends
     * time training or loading teachers.
     *
     * @param studentShapes the student's named outputs
     * @param teacherShapes each teacher's named outputs, by teacher name ("" for a single unnamed teacher)
     * @throws ExperimentException listing every problem with its file and line
     */
    public static void check(DistillPlan plan, Map<String, Shape> studentShapes, Map<String, Map<String, Shape>> teacherShapes) {
        bind(plan, studentShapes, teacherShapes);
    }

    private static Distiller bind(DistillPlan plan, Map<String, Shape> studentShapes,
                                  Map<String, Map<String, Shape>> teacherShapes) {
        Map<String, Shape> teacherTensors = new LinkedHashMap<>();
        teacherShapes.forEach((teacher, outputs) -> outputs.forEach((output, shape) ->
                teacherTensors.put(teacher.isEmpty() ? output : teacher + "." + output, shape)));
        studentShapes.forEach((name, shape) -> teacherTensors.putIfAbsent(SELF + "." + name, shape));
        refuseSelfPairsOnTheSameTensor(plan);
        return Distiller.create(plan, studentShapes, teacherTensors);
    }

    /** A self-distillation pair whose teacher is its own student tensor would teach nothing: refused, located. */
    private static void refuseSelfPairsOnTheSameTensor(DistillPlan plan) {
        List<Problem> problems = new java.util.ArrayList<>();
        for (PairPlan pair : plan.pairs()) {
            if (pair.teacher().equals(SELF + "." + pair.student())) {
                problems.add(new Problem(pair.origin(), "pair '" + pair.name() + "' takes student '" + pair.student()
                        + "' as its own teacher: a self-distillation pair needs a different (deeper) student output as"
                        + " teacher, e.g. teacher = " + SELF + ".<deeper tap>"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
    }

    /** Each named output's shape, by one inference pass on zeros (a tap's shape is known no other way). */
    private static Map<String, Shape> shapes(TappedModel model, NDManager manager, Shape... inputShapes) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try (NDManager probe = manager.newSubManager()) {
            NDList out = TappedModel.probe(model, probe, inputShapes);
            List<String> names = model.outputNames();
            for (int i = 0; i < names.size(); i++) {
                shapes.put(names.get(i), out.get(i).getShape());
            }
        }
        return shapes;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        List<Shape> all = new java.util.ArrayList<>(List.of(student.getOutputShapes(modelInputs(inputShapes))));
        for (TappedModel teacher : teachers.values()) {
            all.addAll(List.of(teacher.getOutputShapes(cached(teacher) ? inputShapes : modelInputs(inputShapes))));
        }
        return all.toArray(Shape[]::new);
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
