package io.distill4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.loss.Loss;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.StepValues;
import io.distill4j.runtime.TermResult;
import io.distill4j.runtime.plan.PairPlan;
import io.distill4j.runtime.plan.TermPlan;
import io.distill4j.spi.BatchInputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A DJL {@link Loss}: {@code task_weight * task_loss + sum_i w_i * term_i} over the predictions of a
 * {@link DistillationBlock} (the student's outputs, then the teacher's). Train with it as with any
 * DJL loss:
 *
 * <pre>{@code
 * DistillationLoss loss = new DistillationLoss(Loss.softmaxCrossEntropyLoss(), block);
 * TrainingConfig config = new DefaultTrainingConfig(loss)
 *         .addEvaluators(loss.termEvaluators())                 // each term, raw and weighted, in DJL's logs
 *         .addTrainingListeners(TrainingListener.Defaults.logging())
 *         .addTrainingListeners(new DistillationListener(block));
 * EasyTrain.fit(trainer, epochs, train, validate);
 * }</pre>
 *
 * <p>Like DJL's composite losses, each part of the total is an {@link Evaluator} of its own
 * ({@link #termEvaluators()}), so DJL's listeners show and record them. The step's terms are
 * computed once: DJL asks the loss and then every evaluator for the same predictions, and they read
 * the same result.
 *
 * <p>The batch's labels reach the losses as the batch inputs named by {@code labelInputs}: by
 * default the first label is {@code targets} (class indices; float indices, as DJL's datasets give
 * them, are converted). Name more to pass boxes to FGD, for example
 * {@code BatchInputs.TARGETS, BatchInputs.BOXES, BatchInputs.IMAGE_SIZES}.
 */
public final class DistillationLoss extends HostAveragedLoss {
    private final Loss taskLoss;
    private final DistillationBlock block;
    private final List<String> labelInputs;
    /** The student outputs that pairs take as teacher tensors ({@code student.<output>}). */
    private final java.util.Set<String> selfTeachers;
    private NDList lastPredictions;
    private DistillResult lastResult;
    private boolean lastTraining;

    /**
     * @param taskLoss the student's own loss on its first output and the first label (e.g.
     *     {@code Loss.softmaxCrossEntropyLoss()}), or null for distillation alone
     * @param block the block whose predictions this loss reads
     * @param labelInputs the batch-input name of each label, in order; {@code targets} when none
     */
    public DistillationLoss(Loss taskLoss, DistillationBlock block, String... labelInputs) {
        super("distillation");
        this.taskLoss = taskLoss;
        this.block = Objects.requireNonNull(block, "block");
        this.labelInputs = labelInputs.length == 0 ? List.of(BatchInputs.TARGETS) : List.of(labelInputs);
        this.selfTeachers = block.plan().pairs().stream().map(PairPlan::teacher)
                .filter(t -> t.startsWith(DistillationBlock.SELF + ".")).collect(java.util.stream.Collectors.toSet());
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return result(labels, predictions).total();
    }

    /**
     * The step's total and every term for these predictions: computed on the first call for a
     * batch's predictions, and the same result after that.
     */
    public DistillResult result(NDList labels, NDList predictions) {
        if (predictions == lastPredictions && lastResult != null) {
            return lastResult;
        }
        int studentCount = block.studentOutputCount();
        List<String> studentNames = block.student().outputNames();
        List<String> teacherNames = block.teacherOutputNames();
        if (predictions.size() == studentCount && !block.lastForwardTraining() && !block.teacherInEvaluation()) {
            return studentOnly(labels, predictions);
        }
        if (predictions.size() != studentCount + teacherNames.size()) {
            throw new IllegalArgumentException("the predictions have " + predictions.size() + " arrays, but a "
                    + "DistillationBlock returns " + (studentCount + teacherNames.size()) + " (student "
                    + studentNames + ", teacher " + teacherNames + "): use the DistillationBlock as the model's block");
        }
        NDArray logits = predictions.get(0);
        DistillBatch.Builder batch = DistillBatch.builder(logits.getManager())
                .step(block.progress().step()).epoch(block.progress().epoch()).training(block.lastForwardTraining())
                .parameterStore(block.lastParameterStore());
        for (int i = 0; i < studentCount; i++) {
            batch.student(studentNames.get(i), predictions.get(i));
        }
        for (int i = 0; i < teacherNames.size(); i++) {
            batch.teacher(teacherNames.get(i), predictions.get(studentCount + i));
        }
        // Self-distillation: a pair's teacher may be one of the student's own outputs, detached.
        for (int i = 0; i < studentCount; i++) {
            String self = DistillationBlock.SELF + "." + studentNames.get(i);
            if (selfTeachers.contains(self)) {
                batch.teacher(self, predictions.get(i).stopGradient());
            }
        }
        for (int i = 0; i < Math.min(labels.size(), labelInputs.size()); i++) {
            NDArray label = labels.get(i);
            if (labelInputs.get(i).equals(BatchInputs.TARGETS)) {
                // DJL's datasets hand class indices over as floats; the batch converts them for the losses that read them.
                batch.targets(label);
            } else {
                batch.input(labelInputs.get(i), label);
            }
        }
        if (taskLoss != null) {
            batch.taskLoss(taskLoss.evaluate(new NDList(labels.get(0)), new NDList(logits)));
        }
        lastResult = block.distiller().compute(batch.build());
        lastPredictions = predictions;
        lastTraining = block.lastForwardTraining();
        return lastResult;
    }

    /** An evaluation pass that ran the student alone ({@link DistillationBlock#teacherInEvaluation(boolean)}): the weighted task loss, no terms. */
    private DistillResult studentOnly(NDList labels, NDList predictions) {
        if (taskLoss == null) {
            throw new IllegalStateException("this distillation has no task loss, so an evaluation pass without the teacher"
                    + " has no loss to report: call teacherInEvaluation(true) on the DistillationBlock to evaluate the terms");
        }
        NDArray task = taskLoss.evaluate(new NDList(labels.get(0)), new NDList(predictions.get(0)));
        lastResult = new DistillResult(block.distiller().weightedTaskLoss(task), java.util.Optional.of(task), List.of());
        lastPredictions = predictions;
        lastTraining = false;
        return lastResult;
    }

    private StepValues lastValues;
    private DistillResult valuesOf;

    /**
     * The numbers of {@code r} on the host: those the distiller read in its one transfer of the step,
     * or, for a result that came without them (an evaluation of the student alone), read once here and
     * shared by every listener that logs or averages them.
     */
    public StepValues values(DistillResult r) {
        if (r.values().isPresent()) {
            return r.values().get();
        }
        if (r != valuesOf) {
            lastValues = StepValues.read(r);
            valuesOf = r;
        }
        return lastValues;
    }

    /** The result of the last batch, and whether it was a training batch; null before the first. */
    DistillResult lastResult() {
        return lastResult;
    }

    boolean lastWasTraining() {
        return lastTraining;
    }

    /**
     * One evaluator per part of the total, for {@code DefaultTrainingConfig.addEvaluators}: {@code task}
     * (the task loss, unweighted), then per term {@code <pair>.<term>} (raw) and
     * {@code <pair>.<term>.weighted} (its contribution to the total at that step).
     */
    public List<Evaluator> termEvaluators() {
        List<Evaluator> out = new ArrayList<>();
        if (taskLoss != null) {
            out.add(new Part("task", r -> r.taskLoss().orElseThrow(), v -> v.taskLoss()));
        }
        int index = 0;
        for (PairPlan pair : block.plan().pairs()) {
            for (TermPlan term : pair.terms()) {
                final int i = index++;
                String key = pair.name() + "." + term.name();
                out.add(new Part(key, r -> term(r, i, key).raw(), v -> v.raw(i)));
                out.add(new Part(key + ".weighted", r -> term(r, i, key).weighted(), v -> v.weighted(i)));
            }
        }
        return out;
    }

    private static TermResult term(DistillResult r, int index, String key) {
        if (r.terms().isEmpty()) {
            throw new IllegalStateException("term " + key + " is not computed in an evaluation pass without the teacher:"
                    + " call teacherInEvaluation(true) on the DistillationBlock, or evaluate the terms on training batches only");
        }
        TermResult t = r.terms().get(index);
        if (!t.key().equals(key)) {
            throw new IllegalStateException("term " + index + " is " + t.key() + ", expected " + key);
        }
        return t;
    }

    /** The step's total as the distiller read it (DJL's averages of this loss take it, not a second read). */
    @Override
    float hostValue(NDList labels, NDList predictions) {
        return values(result(labels, predictions)).total();
    }

    /** One part of the total as a DJL evaluator (a {@link Loss}, whose accumulators average per batch). */
    private final class Part extends HostAveragedLoss {
        private final Function<DistillResult, NDArray> value;
        private final java.util.function.ToDoubleFunction<StepValues> host;

        Part(String name, Function<DistillResult, NDArray> value, java.util.function.ToDoubleFunction<StepValues> host) {
            super(name);
            this.value = value;
            this.host = host;
        }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) {
            return value.apply(result(labels, predictions));
        }

        @Override
        float hostValue(NDList labels, NDList predictions) {
            DistillResult r = result(labels, predictions);
            value.apply(r); // refuses, naming the term, what evaluate refuses (a pass without the teacher)
            return (float) host.applyAsDouble(values(r));
        }
    }
}
