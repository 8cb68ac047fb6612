package io.distill4j.cli;

import io.distill4j.bench.LossBench;
import io.distill4j.djl.OperatorProfiler;
import io.distill4j.runtime.InvalidInputException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code distill bench}: forward + backward time of every built-in loss (see tools/bench/compare.py). */
@Command(name = "bench", description = {
        "Time forward + backward of every built-in loss at the shapes of the PyTorch eager baseline",
        "(tools/bench/torch_losses.py): warm-up runs, then median, min, max in milliseconds.",
        "Set the threads before the engine starts: DISTILL_JAVA_OPTS=-Dai.djl.pytorch.num_threads=2"})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--warmup", defaultValue = "5", description = "untimed runs per case, at least (default 5)")
    int warmup;

    @Option(names = "--warmup-seconds", defaultValue = "5", description = "untimed time per case, at least"
            + " (default 5): the JVM compiles hot code only after thousands of calls")
    double warmupSeconds;

    @Option(names = "--only", defaultValue = "", paramLabel = "REGEX",
            description = "only the cases whose names contain a match, e.g. --only 'kd\\[64'")
    String only;

    @Option(names = "--iterations", defaultValue = "30", description = "timed runs per case (default 30; TaT a third)")
    int iterations;

    @Option(names = "--overhead", description = "measure the Distiller against the same terms called by hand")
    boolean overhead;

    @Option(names = "--memory", description = "sample process RSS, the committed Java heap and live native arrays over"
            + " --steps training steps of the built-in default experiment; to see native memory alone, make the heap"
            + " resident from the start: DISTILL_JAVA_OPTS='-Xms1g -Xmx1g -XX:+AlwaysPreTouch'")
    boolean memory;

    @Option(names = "--train", description = "milliseconds per training step of distill train's loop: teacher, student"
            + " alone, KD, conv1x1 + MGD, FGD (tools/bench/train_step.py runs the same in PyTorch)")
    boolean train;

    @Option(names = "--offline", description = "milliseconds per step of the KD-distilled student with the teacher running"
            + " and reading its stored outputs (float32, float16), for teachers of width 16 and 32, each stored run paired"
            + " with a student-alone run: the whole run per step and the median training step, and their ratios")
    boolean offline;

    @Option(names = "--rounds", defaultValue = "3", description = "--offline: alternating rounds of every run (default 3)")
    int rounds;

    @Option(names = "--op-profile", paramLabel = "FIRST:STEPS", description = "also record libtorch's operator profiler"
            + " over these training steps of every measured --train run (distill train --op-profile), or else over these"
            + " timed runs of every loss case; prints where the traces are (tools/bench/compare.py --op-profile"
            + " [--losses] compares them with PyTorch's). The printed times then include the profiler's cost")
    String opProfile;

    @Option(names = "--steps", defaultValue = "10000", description = "training steps of --memory (default 10000)")
    int steps;

    @Override
    public Integer call() throws java.io.IOException {
        if (iterations < 1 || steps < 1 || warmup < 0 || warmupSeconds < 0) {
            throw new InvalidInputException("--iterations and --steps must be at least 1, --warmup and --warmup-seconds at least 0");
        }
        try {
            Pattern.compile(only);
        } catch (PatternSyntaxException e) {
            throw new InvalidInputException("--only '" + only + "' is not a regular expression: " + e.getDescription());
        }
        if (opProfile != null && (offline || memory || overhead)) {
            throw new InvalidInputException("--op-profile profiles the training steps of --train or the loss cases:"
                    + " not --offline, --memory or --overhead");
        }
        var window = opProfile == null ? null : io.distill4j.cli.train.TrainJob.OpProfile.parse(opProfile);
        PrintWriter out = spec.commandLine().getOut();
        var runtime = root.runtime(spec.commandLine().getErr());
        if (offline) {
            StepBench.offline(runtime, out, spec.commandLine().getErr(), StepBench.TRAIN, StepBench.TEST, StepBench.EPOCHS,
                    Math.max(1, rounds), 16, 32);
        } else if (train) {
            StepBench.run(runtime, out, spec.commandLine().getErr(), window);
        } else if (memory) {
            MemoryBench.run(runtime, steps, out, spec.commandLine().getErr());
        } else if (overhead) {
            new LossBench(runtime, warmup, warmupSeconds, iterations, only).overhead(out);
        } else {
            LossBench bench = new LossBench(runtime, warmup, warmupSeconds, iterations, only);
            if (window != null) {
                bench.opProfile(new LossBench.OpProfile(window.first(), window.steps(),
                        java.nio.file.Files.createTempDirectory("distill-loss-profile"), OperatorProfiler::start,
                        OperatorProfiler::stop));
            }
            bench.run(out);
        }
        return 0;
    }
}
