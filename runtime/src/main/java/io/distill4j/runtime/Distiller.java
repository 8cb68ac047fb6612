package io.distill4j.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.distill4j.runtime.config.DidYouMean;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.Origin;
import io.distill4j.runtime.config.Problem;
import io.distill4j.runtime.plan.AdapterPlan;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.NonFinitePolicy;
import io.distill4j.runtime.plan.PairPlan;
import io.distill4j.runtime.plan.TermPlan;
import io.distill4j.runtime.plugin.ContextClassLoader;
import io.distill4j.spi.AdapterShapes;
import io.distill4j.spi.BatchInputs;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.FeatureAdapter;
import io.distill4j.spi.FeaturePair;
import io.distill4j.spi.InvalidPairException;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Computes {@code task_weight * task_loss + sum_i w_i * term_i} for a plan bound to concrete
 * feature shapes, returning the total and every term raw and weighted.
 *
 * <p>Created with {@link #create}, which instantiates every adapter and loss and checks every pair
 * against the shapes before any tensor is touched, reporting all problems at once.
 */
public final class Distiller {
    private record BoundTerm(TermPlan plan, DistillLoss loss) {}

    private record BoundPair(PairPlan plan, List<FeatureAdapter> adapters, List<BoundTerm> terms,
                             Shape studentShape, Shape teacherShape) {}

    private final DistillPlan plan;
    private final List<BoundPair> pairs;
    private final DistillationParts parts;
    private long skippedTerms;

    private Distiller(DistillPlan plan, List<BoundPair> pairs, DistillationParts parts) {
        this.plan = plan;
        this.pairs = pairs;
        this.parts = parts;
    }

    /**
     * Binds a plan to the shapes of the named student and teacher tensors.
     *
     * @param plan a validated plan
     * @param studentShapes the shape of every student tensor by name, batch axis included
     * @param teacherShapes the same for the teacher
     * @throws ExperimentException with every pair that cannot be served (missing features, shape
     *     mismatches, a factory refusing the pair), each naming the pair and its place in the file
     */
    public static Distiller create(DistillPlan plan, Map<String, Shape> studentShapes, Map<String, Shape> teacherShapes) {
        List<Problem> problems = new ArrayList<>();
        List<BoundPair> bound = new ArrayList<>();
        DistillationParts parts = new DistillationParts();
        for (PairPlan pair : plan.pairs()) {
            bind(pair, studentShapes, teacherShapes, parts, problems).ifPresent(bound::add);
        }
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
        return new Distiller(plan, List.copyOf(bound), parts);
    }

    private static java.util.Optional<BoundPair> bind(PairPlan pair, Map<String, Shape> studentShapes, Map<String, Shape> teacherShapes,
                                  DistillationParts parts, List<Problem> problems) {
        Origin where = pair.origin();
        String label = "pair '" + pair.name() + "'";
        Shape s = feature(studentShapes, pair.student(), "student", label, where, problems);
        Shape t = feature(teacherShapes, pair.teacher(), "teacher", label, where, problems);
        if (s == null || t == null) {
            return java.util.Optional.empty();
        }
        Shape studentIn = s;
        Shape teacherIn = t;
        List<FeatureAdapter> adapters = new ArrayList<>();
        for (int i = 0; i < pair.adapters().size(); i++) {
            AdapterPlan a = pair.adapters().get(i);
            FeatureAdapter adapter;
            try {
                final Shape sNow = s;
                final Shape tNow = t;
                adapter = ContextClassLoader.call(a.factory(),
                        () -> a.factory().create(PairSetups.of(pair.name(), a.options(), sNow, tNow)));
            } catch (InvalidPairException | IllegalArgumentException e) {
                problems.add(new Problem(a.origin(), "adapter '" + a.type() + "' cannot serve " + label
                        + " (student " + s + ", teacher " + t + "): " + e.getMessage()));
                return java.util.Optional.empty();
            } catch (RuntimeException | LinkageError e) {
                problems.add(new Problem(a.origin(), "adapter '" + a.type() + "' failed to set up " + label + ": "
                        + PluginCode.failure(e, a.factory())));
                return java.util.Optional.empty();
            }
            if (!implementsShapes(adapter)) {
                problems.add(new Problem(a.origin(), "adapter '" + a.type() + "' (" + adapter.getClass().getName()
                        + ") implements neither shapes() nor outputShapes(): it cannot say what it produces"));
                return java.util.Optional.empty();
            }
            AdapterShapes out = adapter.shapes();
            final Shape sIn = s;
            adapter.trainableBlock().ifPresent(block -> parts.add(pair.name() + "." + a.type(), block, sIn));
            s = out.student();
            t = out.teacher();
            adapters.add(adapter);
        }
        List<BoundTerm> terms = new ArrayList<>();
        for (TermPlan term : pair.terms()) {
            String termLabel = label + ", term '" + term.name() + "' (" + term.type() + ")";
            Set<LossInput> inputs = term.factory().inputs();
            if (inputs.contains(LossInput.LOGITS) && s.dimension() != 2) {
                problems.add(new Problem(term.origin(), termLabel + " takes logits (N, K), but the student tensor '"
                        + pair.student() + "' has shape " + s));
                continue;
            }
            if (inputs.contains(LossInput.FEATURES) && s.dimension() != 4) {
                problems.add(new Problem(term.origin(), termLabel + " takes feature maps (N, C, H, W), but the student"
                        + " tensor '" + pair.student() + "' has shape " + s));
                continue;
            }
            if (term.factory().requiresEqualShapes() && !s.equals(t)) {
                problems.add(new Problem(term.origin(), label + ": student " + pair.student() + " " + s
                        + " and teacher " + pair.teacher() + " " + t + " differ in shape"
                        + (pair.adapters().isEmpty() ? "" : " after its adapters") + ", but " + term.type()
                        + " needs equal shapes" + shapeFix(s, t)));
                continue;
            }
            try {
                final Shape sNow = s;
                final Shape tNow = t;
                DistillLoss loss = ContextClassLoader.call(term.factory(),
                        () -> term.factory().create(PairSetups.of(pair.name(), term.options(), sNow, tNow)));
                final Shape sIn = s;
                loss.trainableBlock().ifPresent(block -> parts.add(pair.name() + "." + term.name(), block, sIn));
                terms.add(new BoundTerm(term, loss));
            } catch (InvalidPairException | IllegalArgumentException e) {
                problems.add(new Problem(term.origin(), termLabel + ": " + e.getMessage()));
            } catch (RuntimeException | LinkageError e) {
                problems.add(new Problem(term.origin(), termLabel + " failed to set up: " + PluginCode.failure(e, term.factory())));
            }
        }
        return java.util.Optional.of(new BoundPair(pair, List.copyOf(adapters), List.copyOf(terms), studentIn, teacherIn));
    }

    private static String shapeFix(Shape s, Shape t) {
        if (s.dimension() == 4 && t.dimension() == 4) {
            List<String> fixes = new ArrayList<>();
            if (s.get(1) != t.get(1)) {
                fixes.add("{ type = conv1x1 } for the channels");
            }
            if (s.get(2) != t.get(2) || s.get(3) != t.get(3)) {
                fixes.add("{ type = resize } for the spatial size");
            }
            if (!fixes.isEmpty()) {
                return "; add adapters = [ " + String.join(", ", fixes) + " ] to the pair";
            }
        }
        return "";
    }

    private static Shape feature(Map<String, Shape> shapes, String name, String side, String label, Origin where,
                                 List<Problem> problems) {
        Shape shape = shapes.get(name);
        if (shape == null) {
            problems.add(new Problem(where, label + " names " + side + " feature '" + name + "', but the " + side
                    + " has no such tensor" + DidYouMean.hint(name, shapes.keySet()) + " (it has: "
                    + (shapes.isEmpty() ? "none" : String.join(", ", shapes.keySet().stream().sorted().toList())) + ")"));
        }
        return shape;
    }

    /** The plan this distiller computes. */
    public DistillPlan plan() {
        return plan;
    }

    /** Every trainable part of every pair, as one block; empty when nothing is trainable. */
    public DistillationParts trainableParts() {
        return parts;
    }

    /**
     * Initialises the trainable parts' parameters in {@code manager} (a long-lived one), ready to
     * train: each trainable parameter takes a gradient, as a DJL Trainer would give it.
     */
    public void initialize(NDManager manager, DataType dataType) {
        if (!parts.isEmpty()) {
            parts.initialize(manager, dataType);
            ParameterFiles.attachGradients(parts);
        }
    }

    /**
     * The task loss as it enters the total, {@code taskLossWeight * taskLoss}; at weight 1, as for the
     * terms, the task loss is its own weighted term. For a pass that has no terms to compute (an
     * evaluation of the student alone).
     */
    public NDArray weightedTaskLoss(NDArray taskLoss) {
        return plan.taskLossWeight() == 1.0 ? taskLoss : Scalars.mul(taskLoss, (float) plan.taskLossWeight());
    }

    /**
     * Computes one step.
     *
     * @param batch the step's tensors and position
     * @return the total and every term
     * @throws BatchException naming the pair and term when the batch lacks a tensor or
     *     input a term needs, or a tensor's shape differs from the one the plan was bound to
     * @throws IllegalStateException naming the pair and term when a loss returns a non-scalar
     */
    public DistillResult compute(DistillBatch batch) {
        batch.givenTargets().ifPresent(Distiller::requireDistributions);
        List<TermResult> results = new ArrayList<>();
        NDArray total = null;
        for (BoundPair pair : pairs) {
            PairPlan p = pair.plan();
            NDArray s = tensor(batch.student(), p.student(), "student", p, pair.studentShape());
            NDArray t = tensor(batch.teacher(), p.teacher(), "teacher", p, pair.teacherShape()).stopGradient();
            StepContext context = new StepContext(batch, p.name(), plan.seed());
            FeaturePair features = FeaturePair.of(s, t);
            for (FeatureAdapter adapter : pair.adapters()) {
                final FeaturePair in = features;
                try {
                    features = ContextClassLoader.call(adapter, () -> adapter.apply(in, context));
                } catch (Distill4jException e) {
                    throw e;
                } catch (RuntimeException | LinkageError e) {
                    throw new BatchException("pair '" + p.name() + "', an adapter (" + p.origin() + ") at step " + batch.step()
                            + ": " + PluginCode.failure(e, adapter));
                }
            }
            for (BoundTerm term : pair.terms()) {
                TermPlan tp = term.plan();
                requireInputs(tp, p, batch);
                NDArray raw;
                try {
                    final FeaturePair f = features;
                    raw = ContextClassLoader.call(term.loss(), () -> term.loss().compute(f.student(), f.teacher(), context));
                } catch (Distill4jException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new BatchException(termLabel(p, tp) + " at step " + batch.step() + ": " + e.getMessage());
                } catch (RuntimeException | LinkageError e) {
                    throw new BatchException(termLabel(p, tp) + " at step " + batch.step() + ": "
                            + PluginCode.failure(e, term.loss()));
                }
                if (raw == null || raw.getShape().size() != 1) {
                    throw new BatchException(termLabel(p, tp) + " at step " + batch.step() + ": the loss returned "
                            + (raw == null ? "nothing" : "shape " + raw.getShape()) + " instead of a scalar ("
                            + PluginCode.where(term.loss()) + ")");
                }
                double weight = tp.weight() * tp.schedule().factor(batch.step(), batch.epoch());
                // Scalars: a factor of the loss's own type, which backward can read safely. At weight 1
                // the raw term is its own weighted term: one node fewer for backward.
                NDArray weighted = weight == 1.0 ? raw : Scalars.mul(raw, (float) weight);
                total = total == null ? weighted : total.add(weighted);
                results.add(new TermResult(p.name(), tp.name(), tp.type(), weight, raw, weighted, false));
            }
        }
        java.util.Optional<NDArray> task = batch.taskLoss();
        NDArray weightedTask = task.map(this::weightedTaskLoss).orElse(null);
        NDArray sum = sum(weightedTask, total, batch);
        // One host read per step, of every number at once: the check needs the total, the logs the rest.
        StepValues values = StepValues.read(sum, task, results);
        if (!Float.isFinite(values.total())) {
            if (values.hasTaskLoss() && !Float.isFinite(values.taskLoss())) {
                throw new NonFiniteLossException("the task loss is " + name(values.taskLoss()) + " at step " + batch.step()
                        + " (epoch " + batch.epoch() + "): the student's own loss, not a distillation term; check the student's"
                        + " outputs and the targets (non-finite = skip leaves out terms, never the task loss)");
            }
            total = guardTerms(results, values, batch);
            sum = sum(weightedTask, total, batch);
            values = StepValues.read(sum, task, results);
        }
        return new DistillResult(sum, task, results, java.util.Optional.of(values));
    }

    /** The weighted task loss plus the weighted terms, either of which may be absent; zero when both are. */
    private static NDArray sum(NDArray weightedTask, NDArray terms, DistillBatch batch) {
        if (weightedTask == null && terms == null) {
            return batch.manager().zeros(new Shape());
        }
        return terms == null ? weightedTask : weightedTask == null ? terms : weightedTask.add(terms);
    }

    /**
     * The total was not finite: finds the terms that are not, and either fails naming the first one
     * or (non-finite = skip) leaves them out, counted, and returns the total of the others.
     */
    private NDArray guardTerms(List<TermResult> results, StepValues values, DistillBatch batch) {
        NDArray total = null;
        boolean found = false;
        for (int i = 0; i < results.size(); i++) {
            TermResult r = results.get(i);
            if (!Float.isFinite(values.raw(i))) {
                PairPlan p = pairs.stream().map(BoundPair::plan).filter(pp -> pp.name().equals(r.pair())).findFirst().orElseThrow();
                TermPlan tp = p.terms().stream().filter(t -> t.name().equals(r.name())).findFirst().orElseThrow();
                if (plan.nonFinite() == NonFinitePolicy.FAIL) {
                    throw new NonFiniteLossException(termLabel(p, tp) + " produced " + name(values.raw(i)) + " at step "
                            + batch.step() + " (epoch " + batch.epoch() + "); set distill4j.non-finite = skip"
                            + " to leave such terms out of the step instead");
                }
                found = true;
                skippedTerms++;
                results.set(i, new TermResult(r.pair(), r.name(), r.type(), r.weight(), r.raw(),
                        batch.manager().zeros(new Shape()), true));
            } else {
                total = total == null ? r.weighted() : total.add(r.weighted());
            }
        }
        if (!found) {
            throw new NonFiniteLossException("the weighted terms are finite but their sum is not at step " + batch.step()
                    + " (epoch " + batch.epoch() + "): are some weights far too large?");
        }
        return total;
    }

    /** How many terms were non-finite and skipped so far ({@code non-finite = skip}). */
    public long skippedTerms() {
        return skippedTerms;
    }

    private static String termLabel(PairPlan p, TermPlan tp) {
        return "pair '" + p.name() + "', term '" + tp.name() + "' (" + tp.type() + ", " + tp.origin() + ")";
    }

    /**
     * Soft targets (an {@code (N, K)} matrix: mixup, label smoothing) must be distributions: finite,
     * not negative, each row summing to 1. One host read per batch, and only for matrix targets.
     */
    private static void requireDistributions(NDArray targets) {
        if (targets.getShape().dimension() != 2 || !targets.getDataType().isFloating()) {
            return;
        }
        NDArray t = targets.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        NDArray rowError = t.sum(new int[] {1}).sub(1f).abs();
        float[] checks = NDArrays.stack(new NDList(t.isNaN().sum().toType(ai.djl.ndarray.types.DataType.FLOAT32, false),
                t.isInfinite().sum().toType(ai.djl.ndarray.types.DataType.FLOAT32, false),
                t.lt(0f).sum().toType(ai.djl.ndarray.types.DataType.FLOAT32, false),
                rowError.max())).toFloatArray();
        if (checks[0] > 0 || checks[1] > 0) {
            throw new BatchException("the soft targets " + targets.getShape() + " hold NaN or Inf values");
        }
        if (checks[2] > 0) {
            throw new BatchException("the soft targets " + targets.getShape() + " hold " + (int) checks[2] + " negative"
                    + " value(s): each row must be a distribution over the classes");
        }
        if (checks[3] > 1e-3f) {
            throw new BatchException("the soft targets " + targets.getShape() + " have a row whose sum is off from 1 by "
                    + checks[3] + ": each row must be a distribution over the classes");
        }
    }

    /** "NaN", "Inf" or "-Inf", for a value that is not finite. */
    private static String name(float v) {
        return Float.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
    }

    private static NDArray tensor(Map<String, NDArray> side, String name, String which, PairPlan p, Shape bound) {
        NDArray a = side.get(name);
        if (a == null) {
            throw new BatchException("pair '" + p.name() + "' (" + p.origin() + "): the batch has no " + which
                    + " tensor '" + name + "'" + DidYouMean.hint(name, side.keySet()));
        }
        Shape shape = a.getShape();
        if (shape.dimension() > 0 && shape.get(0) == 0) {
            throw new BatchException("pair '" + p.name() + "' (" + p.origin() + "): the " + which + " tensor '" + name
                    + "' holds no example (batch size 0); every loss of an empty batch is undefined");
        }
        // The batch axis may vary (a short last batch); every other axis must be as planned.
        if (shape.dimension() != bound.dimension()
                || (shape.dimension() > 1 && !shape.slice(1).equals(bound.slice(1)))) {
            throw new BatchException("pair '" + p.name() + "' (" + p.origin() + "): " + which + " tensor '"
                    + name + "' has shape " + shape + ", but the distiller was created for " + bound);
        }
        return a;
    }

    private static void requireInputs(TermPlan tp, PairPlan p, DistillBatch batch) {
        Set<LossInput> inputs = tp.factory().inputs();
        if (inputs.contains(LossInput.TARGETS) && batch.givenTargets().isEmpty()) {
            throw new BatchException(termLabel(p, tp) + " needs class targets, but the batch carries none");
        }
        if (inputs.contains(LossInput.BOXES) && batch.input(BatchInputs.BOXES).isEmpty()) {
            throw new BatchException(termLabel(p, tp) + " needs ground-truth boxes, but the batch carries none");
        }
    }

    /** An adapter must override one of the two shape methods, each of which defaults to the other. */
    @SuppressWarnings("deprecation")
    private static boolean implementsShapes(FeatureAdapter adapter) {
        try {
            Class<?> c = adapter.getClass();
            return c.getMethod("shapes").getDeclaringClass() != FeatureAdapter.class
                    || c.getMethod("outputShapes").getDeclaringClass() != FeatureAdapter.class;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }
}
