package io.distill4j.cli;

import io.distill4j.cli.train.SeedRuns;
import io.distill4j.cli.train.SpreadChart;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.OutputPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs experiments, each on one or several seeds, for {@code train} and {@code sweep}. One seed
 * writes into the run's folder as it always has; several write {@code seed-<n>/} each, plus a chart of
 * the spread. Student-alone runs are shared between the experiments of one command (they depend on
 * the data, the student and the schedule only).
 */
final class ExperimentRuns {
    private final Distill4j runtime;
    private final boolean resume;
    private final PrintWriter log;
    private final Map<String, TrainJob.RunResult> aloneRuns = new HashMap<>();
    private TrainJob.OpProfile opProfile;

    ExperimentRuns(Distill4j runtime, boolean resume, PrintWriter log) {
        this.runtime = runtime;
        this.resume = resume;
        this.log = log;
    }

    /** The jobs of one experiment, one per seed, prepared: created before any of them trains. */
    final class Planned {
        final Experiment experiment;
        final Path folder;
        final List<Integer> seeds = new ArrayList<>();
        final List<TrainJob> jobs = new ArrayList<>();

        private Planned(Experiment experiment, int count, Path folder) {
            this.experiment = experiment;
            this.folder = folder;
            int first = experiment.settings().seed();
            for (int i = 0; i < count; i++) {
                Experiment e = count == 1 ? experiment : experiment.withSeed(runtime, first + i);
                TrainJob job = new TrainJob(e.name(), e.plan(), e.settings(), resume, log)
                        .fingerprint(e.settings().fingerprint(e.config())).reuseAlone(aloneRuns).opProfile(opProfile);
                seeds.add(first + i);
                jobs.add(count == 1 ? job.in(folder) : job.in(folder.resolve("seed-" + (first + i))));
            }
        }

        /** Checks (and with --resume verifies) everything the jobs will write. */
        void prepare() throws IOException {
            if (jobs.size() > 1) {
                OutputPaths.file(folder.resolve("chart.png"), "the chart of the seeds' spread");
            }
            for (TrainJob job : jobs) {
                job.prepare();
            }
        }

        /** Trains every seed; the spread chart is drawn when there are several. */
        SeedRuns run() throws IOException {
            List<TrainJob.Outcome> outcomes = new ArrayList<>();
            for (TrainJob job : jobs) {
                outcomes.add(job.run());
            }
            boolean validation = experiment.settings().validation() > 0;
            SeedRuns runs = new SeedRuns(experiment.name(), seeds, outcomes, folder, validation ? "validation" : "test",
                    experiment.settings().dataLabel());
            if (jobs.size() > 1) {
                SpreadChart.write(folder.resolve("chart.png"), runs);
            }
            return runs;
        }
    }

    /** Profiles these training steps of every run (train --op-profile); null profiles none. */
    ExperimentRuns opProfile(TrainJob.OpProfile window) {
        this.opProfile = window;
        return this;
    }

    /** Plans {@code seeds} runs of {@code experiment} into {@code folder}. */
    Planned plan(Experiment experiment, int seeds, Path folder) {
        return new Planned(experiment, seeds, folder);
    }
}
