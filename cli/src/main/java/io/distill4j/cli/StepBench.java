package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.runtime.Distill4j;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Milliseconds per training step of {@code distill train}'s own loop (model set-up, every step and the
 * per-epoch evaluation, divided by the steps), for the recipes that tools/bench/train_step.py runs in
 * PyTorch eager with the same models, shapes, optimizer and epochs: the teacher trained, the student
 * alone, and the student distilled by KD, by a 1x1-conv + MGD feature pair, and by FGD on the boxes.
 */
final class StepBench {
    /** Shapes of both sides: 3,840 training images of 1x28x28 in batches of 64 (60 steps an epoch), 640 test images. */
    static final int TRAIN = 3840;
    static final int TEST = 640;
    static final int BATCH = 64;
    static final int EPOCHS = 3;

    /** The distilled recipes besides KD (the built-in default), as experiment text. */
    static final Map<String, String> RECIPES = new LinkedHashMap<>();

    static {
        RECIPES.put("mgd", "distill4j { pairs = [ { name = stage3, student = stage3, teacher = stage3, adapters = [ { type = conv1x1 } ]"
                + ", losses = [ { type = mgd, alpha = 7e-5, lambda = 0.15, mask = channel } ] } ] }");
        RECIPES.put("fgd", "distill4j { pairs = [ { name = stage2, student = stage2, teacher = stage2, losses = [ { type = fgd,"
                + " weight = 1, temperature = 0.5, alpha = 1e-3, beta = 5e-4, gamma = 1e-3, lambda = 5e-6 } ] } ] }");
    }

    private StepBench() {}

    static void run(Distill4j runtime, PrintWriter out, PrintWriter err, TrainJob.OpProfile window) throws IOException {
        run(runtime, out, err, TRAIN, TEST, EPOCHS, window);
    }

    /**
     * The bench at other sizes (a test runs it small). With a {@code window}, every measured run also
     * records that window's operators, in {@code <run folder>/op-profile-<run>.json}, whose root it prints.
     */
    static void run(Distill4j runtime, PrintWriter out, PrintWriter err, int trainSize, int testSize, int epochs,
                    TrainJob.OpProfile window) throws IOException {
        Path dir = Files.createTempDirectory("distill-steps");
        int steps = epochs * (trainSize / BATCH);
        // A discarded warm-up: every recipe once at the measured length (tools/bench/train_step.py makes the same).
        // A real training run lasts thousands of steps; on 2 cores the JIT's compiler threads share the CPU with
        // libtorch's for the first several hundred, so short cold runs would mostly time the compiler.
        recipes(runtime, err, settings(dir.resolve("warm-up"), epochs, trainSize, testSize), null, (name, seconds) -> { });
        out.printf("djl %s threads %s%n", ai.djl.engine.Engine.getInstance().getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        out.printf(Locale.ROOT, "steps per run: %d (%d epochs of %d, batch %d), evaluation on %d images after each epoch,"
                + " after a warm-up run of each%n", steps, epochs, trainSize / BATCH, BATCH, testSize);
        recipes(runtime, err, settings(dir, epochs, trainSize, testSize), window, (name, seconds) -> line(out, name, seconds, steps));
        if (window != null) {
            // The folders follow the experiment names: runs/kd (teacher, student alone, KD), runs/mgd, runs/fgd.
            out.printf("op profiles of steps %d-%d: %s/<recipe>/op-profile-<run>.json%n", window.first(),
                    window.first() + window.steps() - 1, dir.resolve("runs"));
            out.flush();
        }
    }

    private static String settings(Path dir, int epochs, int trainSize, int testSize) {
        return "train { epochs = " + epochs + ", batch-size = " + BATCH + ", teacher.epochs = " + epochs
                + ", data { train-size = " + trainSize + ", test-size = " + testSize + " }, output = \"" + dir.resolve("runs")
                + "\", cache = \"" + dir.resolve("cache") + "\" }";
    }

    /** Trains the teacher, the student alone and every distilled recipe under {@code train}, reporting each run's seconds. */
    private static void recipes(Distill4j runtime, PrintWriter err, String train, TrainJob.OpProfile window,
                                java.util.function.BiConsumer<String, Double> seconds) throws IOException {
        Config kd = ConfigFactory.parseString(train).withFallback(TrainCommand.builtIn()).resolve();
        TrainJob.Outcome first = job(runtime, "kd", kd, err, false).opProfile(window).run();
        seconds.accept("teacher", first.teacher().result().seconds());
        seconds.accept("alone", first.alone().seconds());
        seconds.accept("kd", first.distilled().seconds());
        for (Map.Entry<String, String> r : RECIPES.entrySet()) {
            Config c = ConfigFactory.parseString(train + "\n" + r.getValue()).resolve();
            seconds.accept(r.getKey(), job(runtime, r.getKey(), c, err, true).opProfile(window).run().distilled().seconds());
        }
    }

    /**
     * Offline distillation's step time: for a teacher of each width, the KD-distilled student with the
     * teacher running, and reading its stored outputs in float32 and float16, next to the student alone.
     * Every stored run is paired with a run of the student alone just before it (the job trains both, in
     * that order), so each ratio compares two runs seconds apart rather than runs minutes apart on a
     * machine whose speed drifts. Every run repeats {@code rounds} times after a discarded warm-up.
     *
     * <p>Two times per run: the whole run divided by its steps (set-up, the per-epoch evaluation, and in
     * the distilled run the per-epoch checkpoint and chart), and the median training step as the loop
     * runs it ({@link io.distill4j.djl.EpochHistory#medianStepSeconds}). A line gives the median and the
     * lowest and highest round.
     */
    static void offline(Distill4j runtime, PrintWriter out, PrintWriter err, int trainSize, int testSize, int epochs,
                        int rounds, int... teacherWidths) throws IOException {
        Path dir = Files.createTempDirectory("distill-offline");
        int steps = epochs * (trainSize / BATCH);
        out.printf(Locale.ROOT, "steps per run: %d (%d epochs of %d, batch %d); %d rounds; each cell: median, lowest,"
                + " highest round%n", steps, epochs, trainSize / BATCH, BATCH, rounds);
        Map<Integer, Config> online = new LinkedHashMap<>();
        Map<String, Config> offline = new LinkedHashMap<>();
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (int width : teacherWidths) {
            String train = "train { epochs = " + epochs + ", batch-size = " + BATCH + ", teacher { epochs = " + epochs
                    + ", width = " + width + " }, data { train-size = " + trainSize + ", test-size = " + testSize
                    + " }, output = \"" + dir.resolve("runs") + "\", cache = \"" + dir.resolve("cache") + "\" }";
            Config c = ConfigFactory.parseString(train).withFallback(TrainCommand.builtIn()).resolve();
            online.put(width, c);
            for (io.distill4j.djl.TeacherOutputs.Precision p : io.distill4j.djl.TeacherOutputs.Precision.values()) {
                Path stored = dir.resolve("outputs-" + width + "-" + p);
                // Trains the teacher once (then cached) and stores its outputs.
                var cache = job(runtime, "store", c, err, true).computeTeacherOutputs(stored, p, 1024);
                offline.put("kd-teacher" + width + "-stored-" + p,
                        ConfigFactory.parseString("train.teacher-outputs = \"" + stored + "\"").withFallback(c).resolve());
                bytes.put("bytes-per-sample-" + p, cache.bytesOnDisk() / cache.samples());
            }
        }
        // A discarded first pass of the teacher running and of every stored run: the JIT compiles each path's
        // code on it (on 2 cores its compiler threads take CPU from the training's), not in the first round.
        job(runtime, "warm-up", online.get(teacherWidths[0]), err, false).run();
        for (Config c : offline.values()) {
            job(runtime, "warm-up", c, err, false).run();
        }
        Map<String, List<double[]>> ms = new LinkedHashMap<>(); // per row: {whole-run ms/step, median step ms} per round
        for (int r = 0; r < rounds; r++) {
            for (int width : teacherWidths) {
                TrainJob.RunResult teacherRunning = job(runtime, "online-" + width, online.get(width), err, true).run().distilled();
                ms.computeIfAbsent("kd-teacher" + width, k -> new ArrayList<>()).add(times(teacherRunning, steps));
                List<Map.Entry<String, Config>> storedRuns = offline.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("kd-teacher" + width + "-")).collect(Collectors.toList());
                // The run right after the teacher's read slower in every invocation: each round starts with another precision.
                Collections.rotate(storedRuns, -r);
                for (Map.Entry<String, Config> e : storedRuns) {
                    TrainJob.Outcome o = job(runtime, e.getKey(), e.getValue(), err, false).run();
                    double[] alone = times(o.alone(), steps);
                    double[] stored = times(o.distilled(), steps);
                    ms.computeIfAbsent("alone", k -> new ArrayList<>()).add(alone);
                    ms.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(stored);
                    ms.computeIfAbsent(e.getKey() + "/alone", k -> new ArrayList<>())
                            .add(new double[] {stored[0] / alone[0], stored[1] / alone[1]});
                }
            }
        }
        out.printf(Locale.ROOT, "%-36s %-26s %s%n", "run (ms; a ratio for x/alone)", "whole run / steps", "training step");
        ms.forEach((name, values) -> out.printf(Locale.ROOT, "%-36s %s   %s%n", name, spread(values, 0), spread(values, 1)));
        // Every stored run does the same step (the teacher's width and the stored precision change only what is
        // read from disk), so all their pairs together estimate the one ratio the 1.1x aim is about.
        List<double[]> pooled = ms.entrySet().stream().filter(e -> e.getKey().endsWith("/alone"))
                .flatMap(e -> e.getValue().stream()).collect(Collectors.toList());
        out.printf(Locale.ROOT, "%-36s %s   %s%n", "every stored run/alone (" + pooled.size() + " pairs)", spread(pooled, 0),
                spread(pooled, 1));
        bytes.forEach((name, b) -> out.printf(Locale.ROOT, "%-36s %8d%n", name, b));
        out.flush();
    }

    /** A run's whole time per step and its median training step, in milliseconds. */
    private static double[] times(TrainJob.RunResult run, int steps) {
        return new double[] {1000 * run.seconds() / steps, 1000 * run.stepSeconds()};
    }

    /** Median, lowest and highest of one column of the rounds. */
    private static String spread(List<double[]> rounds, int column) {
        List<Double> sorted = rounds.stream().map(v -> v[column]).sorted().toList();
        return String.format(Locale.ROOT, "%8.3f %8.3f %8.3f", sorted.get(sorted.size() / 2), sorted.get(0),
                sorted.get(sorted.size() - 1));
    }

    private static TrainJob job(Distill4j runtime, String name, Config c, PrintWriter err, boolean distilledOnly) {
        TrainJob job = new TrainJob(name, runtime.experiments().parse(c, "bench " + name), TrainSettings.of(c, name), false, err);
        return distilledOnly ? job.distilledOnly() : job;
    }

    private static void line(PrintWriter out, String recipe, double seconds, int steps) {
        out.printf(Locale.ROOT, "%-10s %10.3f%n", recipe, 1000 * seconds / steps);
        out.flush();
    }
}
