package io.distill4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.LossContexts;
import io.distill4j.runtime.PairSetups;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.spi.DistillLoss;
import io.distill4j.spi.LossContext;
import io.distill4j.spi.Scalars;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;
import java.util.regex.Pattern;

/**
 * Forward + backward time of every built-in loss at the shapes of tools/bench/torch_losses.py,
 * with its protocol (warm-up runs, then the median of the timed ones; a fresh step manager per run),
 * printing lines in its format: {@code name median_ms min_ms max_ms}. Each case runs through the
 * Distiller exactly as training does (one pair per level, weight 1); {@link #overhead} measures what
 * the Distiller itself adds.
 */
public final class LossBench {
    private final Distill4j runtime;
    private final int warmup;
    private final double warmupSeconds;
    private final int iterations;
    private final Pattern only;
    private OpProfile profile;

    /**
     * @param warmup untimed runs per case, at least
     * @param warmupSeconds untimed time per case, at least: the JVM compiles the runtime's and DJL's
     *     Java code only after thousands of calls, a cost PyTorch's interpreter never pays per loss
     * @param iterations timed runs per case (TaT a third)
     * @param only the cases to run, by a regular expression found in their names
     */
    public LossBench(Distill4j runtime, int warmup, double warmupSeconds, int iterations, String only) {
        this.runtime = runtime;
        this.warmup = warmup;
        this.warmupSeconds = warmupSeconds;
        this.iterations = iterations;
        this.only = Pattern.compile(only);
    }

    /**
     * An operator profile of timed runs {@code first} to {@code first + steps - 1} of every case, written
     * as {@code dir/op-profile-<case>.json} ({@link #traceName}). The profiler is the engine's, so the
     * caller that has it supplies starting and stopping it; the bench's own module knows only DJL's API.
     */
    public record OpProfile(long first, int steps, Path dir, Runnable start, Consumer<Path> stop) {}

    /**
     * Also records {@code profile} in each case. Its runs stay among the timed ones, whose printed times
     * then include the profiler's cost: time without it.
     */
    public LossBench opProfile(OpProfile profile) {
        this.profile = profile;
        return this;
    }

    /** A case's trace file name: {@code kd[64x100]} is {@code op-profile-kd-64x100.json}, as torch_losses.py names it. */
    public static String traceName(String caseName) {
        return "op-profile-" + caseName.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "") + ".json";
    }

    /** One case: its experiment, and its student/teacher tensors by name. */
    private record Case(String name, String experiment, Map<String, Shape> shapes, int iterations, boolean targets) {}

    private static final int[][] PYRAMID = {{32, 160}, {64, 80}, {128, 40}, {256, 20}, {512, 10}};

    private List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (int[] nk : new int[][] {{64, 100}, {256, 1000}}) {
            Map<String, Shape> logits = Map.of("logits", new Shape(nk[0], nk[1]));
            String size = "[" + nk[0] + "x" + nk[1] + "]";
            cases.add(new Case("kd" + size, pair("logits", "kd, temperature = 4"), logits, iterations, false));
            cases.add(new Case("dkd" + size, pair("logits", "dkd, warmup = 0"), logits, iterations, true));
            cases.add(new Case("dist" + size, pair("logits", "dist"), logits, iterations, false));
        }
        // The built-in default experiment's own term (its stored-output step is this and the student's step).
        cases.add(new Case("kd[64x10 T2]", pair("logits", "kd, temperature = 2"), Map.of("logits", new Shape(64, 10)),
                iterations, false));
        cases.add(new Case("mimic[yolo5lvl b8]", levels(0, "mimic"), pyramid(0), iterations, false));
        cases.add(new Case("cwd[yolo5lvl b8]", levels(0, "cwd"), pyramid(0), iterations, false));
        cases.add(new Case("mgd[yolo3lvl b8]", levels(2, "mgd"), pyramid(2), iterations, false));
        cases.add(new Case("tat[r18 layer4 b64]", pair("f", "tat"), Map.of("f", new Shape(64, 512, 7, 7)),
                Math.max(1, iterations / 3), false));
        return cases;
    }

    private static String pair(String tensor, String loss) {
        return "{ name = p, student = " + tensor + ", teacher = " + tensor + ", losses = [ { type = " + loss + " } ] }";
    }

    private static String levels(int from, String loss) {
        List<String> pairs = new ArrayList<>();
        for (int i = from; i < PYRAMID.length; i++) {
            pairs.add("{ name = l" + i + ", student = l" + i + ", teacher = l" + i + ", losses = [ { type = " + loss + " } ] }");
        }
        return String.join(", ", pairs);
    }

    private static Map<String, Shape> pyramid(int from) {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (int i = from; i < PYRAMID.length; i++) {
            m.put("l" + i, new Shape(8, PYRAMID[i][0], PYRAMID[i][1], PYRAMID[i][1]));
        }
        return m;
    }

    /** Times every case and prints one line each; returns the medians by case name. */
    public Map<String, Double> run(PrintWriter out) {
        out.printf("djl %s threads %s%n", Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        List<Case> selected = cases().stream().filter(c -> only.matcher(c.name()).find()).toList();
        if (profile != null) {
            // Refused before any case runs: a window past a case's timed runs would leave its trace unwritten.
            for (Case c : selected) {
                if (profile.first() - 1 + profile.steps() > c.iterations()) {
                    throw new InvalidInputException("--op-profile " + profile.first() + ":" + profile.steps() + " ends after the "
                            + c.iterations() + " timed runs of " + c.name() + ": give a shorter window or more --iterations");
                }
            }
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Case c : selected) {
            double[] ms = time(c);
            medians.put(c.name(), ms[0]);
            out.printf(Locale.ROOT, "%-28s %9.3f %9.3f %9.3f%n", c.name(), ms[0], ms[1], ms[2]);
            out.flush();
        }
        if (profile != null) {
            out.printf("op profiles of timed runs %d-%d: %s/op-profile-<case>.json%n", profile.first(),
                    profile.first() + profile.steps() - 1, profile.dir());
            out.flush();
        }
        return medians;
    }

    /** A realistic multi-term experiment: three logit terms and two feature terms on two levels. */
    static final String OVERHEAD_EXPERIMENT = "distill4j { task-loss-weight = 0, pairs = [ "
            + "{ name = logits, student = logits, teacher = logits, losses = [ { type = kd, weight = 0.9 }, "
            + "{ type = dkd, warmup = 0 }, { type = dist, weight = 2 } ] }, "
            + "{ name = p3, student = p3, teacher = p3, losses = [ { type = mimic }, { type = cwd, weight = 10 } ] }, "
            + "{ name = p4, student = p4, teacher = p4, losses = [ { type = mimic }, { type = cwd, weight = 10 } ] } ] }";

    /**
     * The Distiller against the same terms called by hand (the same loss objects' factories, the same
     * options, weights applied and summed by hand), forward + backward, runs interleaved A/B so that
     * drift hits both alike. Prints both medians and the ratio.
     */
    public double overhead(PrintWriter out) {
        DistillPlan plan = runtime.experiments().parse(ConfigFactory.parseString(OVERHEAD_EXPERIMENT), "overhead");
        Map<String, Shape> shapes = Map.of("logits", new Shape(256, 1000), "p3", new Shape(8, 128, 40, 40),
                "p4", new Shape(8, 256, 20, 20));
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller d = Distiller.create(plan, shapes, shapes);
            NDArray targets = m.randomInteger(0, 1000, new Shape(256), DataType.INT64);
            Tensors in = Tensors.of(m, shapes, targets);
            // By hand: each term's loss, created by its factory with the plan's options.
            List<HandTerm> terms = new ArrayList<>();
            for (var pair : plan.pairs()) {
                for (var term : pair.terms()) {
                    Shape s = shapes.get(pair.student());
                    terms.add(new HandTerm(pair.student(), term.factory().create(
                            PairSetups.of(pair.name(), term.options(), s, s)), (float) term.weight()));
                }
            }
            double[] viaDistiller = new double[iterations];
            double[] byHand = new double[iterations];
            IntToDoubleFunction run = variant -> {
                try (NDManager step = m.newSubManager()) {
                    DistillBatch batch = variant == 0 ? in.batch(step) : null;
                    Map<String, NDArray> leaves = variant == 0 ? null : in.leaves(step);
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray total;
                        if (variant == 0) {
                            total = d.compute(batch).total();
                        } else {
                            total = null;
                            LossContext ctx = LossContexts.of(step, targets, Map.of());
                            for (HandTerm t : terms) {
                                NDArray v = t.loss().compute(leaves.get(t.tensor()), in.teachers().get(t.tensor()), ctx);
                                v = t.weight() == 1f ? v : Scalars.mul(v, t.weight());
                                total = total == null ? v : total.add(v);
                            }
                        }
                        gc.backward(total);
                    }
                    return (System.nanoTime() - t0) / 1e6;
                }
            };
            warmUp(() -> {
                run.applyAsDouble(0);
                run.applyAsDouble(1);
            });
            // The order alternates too: whichever runs second in a pair finds the allocator and the caches
            // as the first left them.
            for (int i = 0; i < iterations; i++) {
                if (i % 2 == 0) {
                    viaDistiller[i] = run.applyAsDouble(0);
                    byHand[i] = run.applyAsDouble(1);
                } else {
                    byHand[i] = run.applyAsDouble(1);
                    viaDistiller[i] = run.applyAsDouble(0);
                }
            }
            Arrays.sort(viaDistiller);
            Arrays.sort(byHand);
            double a = viaDistiller[iterations / 2];
            double b = byHand[iterations / 2];
            out.printf(Locale.ROOT, "runtime overhead, 7 terms on 3 pairs (logits 256x1000, p3 8x128x40x40, p4 8x256x20x20):%n");
            out.printf(Locale.ROOT, "  Distiller median %.3f ms, terms by hand median %.3f ms, ratio %.3f (%+.1f%%)%n",
                    a, b, a / b, 100 * (a / b - 1));
            out.flush();
            return a / b;
        }
    }

    /** A term of the overhead bench called by hand: its tensor's name, its loss and its weight. */
    private record HandTerm(String tensor, DistillLoss loss, float weight) {}

    /** Long-lived student and teacher values of one case; each step gets its own student leaves. */
    private record Tensors(Map<String, NDArray> students, Map<String, NDArray> teachers, NDArray targets) {
        static Tensors of(NDManager m, Map<String, Shape> shapes, NDArray targets) {
            Map<String, NDArray> students = new LinkedHashMap<>();
            Map<String, NDArray> teachers = new LinkedHashMap<>();
            shapes.forEach((k, s) -> {
                students.put(k, m.randomNormal(s));
                teachers.put(k, m.randomNormal(s));
            });
            return new Tensors(students, teachers, targets);
        }

        /**
         * The step's student leaves, made before its clock starts. DJL gives an op's result to its first operand's
         * manager: the long-lived values are attached to the step for its duration, so every
         * intermediate is freed with it. The student leaves are fresh views with no gradient yet, as
         * the baseline's {@code p.grad = None} makes them: otherwise backward would add each new
         * gradient into the last one, a pass over every student tensor that PyTorch does not make.
         */
        Map<String, NDArray> leaves(NDManager step) {
            students.values().forEach(a -> a.tempAttach(step));
            teachers.values().forEach(a -> a.tempAttach(step));
            if (targets != null) {
                targets.tempAttach(step);
            }
            Map<String, NDArray> leaves = new LinkedHashMap<>();
            students.forEach((k, v) -> {
                NDArray leaf = v.stopGradient();
                leaf.setRequiresGradient(true);
                leaves.put(k, leaf);
            });
            return leaves;
        }

        DistillBatch batch(NDManager step) {
            DistillBatch.Builder b = DistillBatch.builder(step);
            leaves(step).forEach(b::student);
            teachers.forEach(b::teacher);
            if (targets != null) {
                b.targets(targets);
            }
            return b.build();
        }
    }

    private double[] time(Case c) {
        DistillPlan plan = runtime.experiments().parse(ConfigFactory.parseString(
                "distill4j { task-loss-weight = 0, pairs = [ " + c.experiment() + " ] }"), c.name());
        try (NDManager m = NDManager.newBaseManager()) {
            Distiller d = Distiller.create(plan, c.shapes(), c.shapes());
            d.initialize(m, DataType.FLOAT32);
            Shape logits = c.shapes().values().iterator().next();
            NDArray targets = c.targets() ? m.randomInteger(0, logits.get(1), new Shape(logits.get(0)), DataType.INT64) : null;
            Tensors in = Tensors.of(m, c.shapes(), targets);
            warmUp(() -> step(m, d, in));
            double[] times = new double[c.iterations()];
            for (int i = 0; i < times.length; i++) {
                boolean last = profile != null && i == profile.first() - 2 + profile.steps();
                if (profile != null && i == profile.first() - 1) {
                    profile.start().run();
                }
                times[i] = step(m, d, in);
                if (last) {
                    profile.stop().accept(profile.dir().resolve(traceName(c.name())));
                }
            }
            Arrays.sort(times);
            return new double[] {times[times.length / 2], times[0], times[times.length - 1]};
        }
    }

    /** Untimed runs: at least {@code warmup} of them, for at least {@code warmupSeconds}. */
    private void warmUp(Runnable run) {
        long until = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() < until; i++) {
            run.run();
        }
    }

    /** One forward + backward through the Distiller in a fresh step manager; returns its milliseconds. */
    private static double step(NDManager m, Distiller d, Tensors in) {
        try (NDManager step = m.newSubManager()) {
            DistillBatch batch = in.batch(step);
            long t0 = System.nanoTime();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(d.compute(batch).total());
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
