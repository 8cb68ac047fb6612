package io.distill4j.cli;

import com.typesafe.config.Config;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.config.ExperimentException;
import io.distill4j.runtime.config.ExperimentLoader;
import io.distill4j.runtime.config.Problem;
import io.distill4j.runtime.plan.DistillPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One experiment file, read whole: its distillation plan and its {@code train} settings, validated
 * together, so {@code check} and {@code train} report the same problems, all of them at once.
 */
record Experiment(String name, Config config, DistillPlan plan, TrainSettings settings) {
    /**
     * Reads and validates every file; problems of all of them are reported together.
     *
     * @throws ExperimentException with every problem of every file
     */
    static List<Experiment> readAll(Distill4j runtime, List<Path> files) {
        List<Experiment> out = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (Path file : files) {
            Config c;
            try {
                c = ExperimentLoader.read(file);
            } catch (ExperimentException e) {
                problems.addAll(e.problems());
                continue;
            }
            String name = file.getFileName().toString().replaceFirst("\\.conf$", "");
            of(runtime, name, c, file.toString(), problems).ifPresent(out::add);
        }
        if (!problems.isEmpty()) {
            throw new ExperimentException(problems);
        }
        return out;
    }

    /** The plan and the settings of one parsed experiment; their problems are added to {@code problems}. */
    static java.util.Optional<Experiment> of(Distill4j runtime, String name, Config c, String source, List<Problem> problems) {
        DistillPlan plan = null;
        TrainSettings settings = null;
        try {
            plan = runtime.experiments().parse(c, source);
        } catch (ExperimentException e) {
            problems.addAll(e.problems());
        }
        try {
            settings = TrainSettings.of(c, source);
        } catch (ExperimentException e) {
            problems.addAll(e.problems());
        }
        return plan == null || settings == null ? java.util.Optional.empty()
                : java.util.Optional.of(new Experiment(name, c, plan, settings));
    }

    /**
     * This experiment on another seed: {@code train.seed = seed}, and the plan's own seed (masks) moved
     * by as much, so each seed is a full repetition; everything else is unchanged.
     */
    Experiment withSeed(Distill4j runtime, int seed) {
        long offset = (long) seed - settings.seed();
        String why = "seed " + seed + " of train.seeds";
        Config c = config.withValue("train.seed", com.typesafe.config.ConfigValueFactory.fromAnyRef(seed, why))
                .withValue(ExperimentLoader.ROOT + ".seed", com.typesafe.config.ConfigValueFactory.fromAnyRef(plan.seed() + offset, why));
        List<Problem> problems = new ArrayList<>();
        return of(runtime, name, c, plan.source(), problems).orElseThrow(() -> new ExperimentException(problems));
    }
}
