package io.distill4j.cli;

import ai.djl.ndarray.NDManager;
import io.distill4j.runtime.BatchFile;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.plan.AdapterPlan;
import io.distill4j.runtime.plan.DistillPlan;
import io.distill4j.runtime.plan.PairPlan;
import io.distill4j.runtime.plan.TermPlan;
import io.distill4j.spi.Options;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code distill check}: validates an experiment and prints its resolved plan. */
@Command(name = "check", description = "Validate an experiment and print the resolved plan as a table.")
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "EXPERIMENT",
            description = "experiment files (.conf): the plan and the train block, every file's problems at once")
    List<Path> experiments;

    @Option(names = "--inputs", paramLabel = "NPZ",
            description = "also check the plan against the tensors of this .npz (names and shapes)")
    Path inputs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Experiment> all = Experiment.readAll(root.runtime(err), experiments);
        for (int i = 0; i < all.size(); i++) {
            DistillPlan plan = all.get(i).plan();
            if (inputs != null) {
                try (NDManager m = NDManager.newBaseManager()) {
                    BatchFile in = BatchFile.read(inputs, m, note -> err.println("note: " + note));
                    Distiller.create(plan, in.studentShapes(), in.teacherShapes());
                }
            }
            printPlan(out, plan);
            long terms = plan.pairs().stream().mapToLong(p -> p.terms().size()).sum();
            out.println();
            out.println(experiments.get(i) + ": OK, " + plan.pairs().size() + " pair(s), " + terms + " term(s), task-loss"
                    + " weight " + plan.taskLossWeight() + (inputs == null ? "" : ", fits " + inputs));
        }
        return 0;
    }

    static void printPlan(PrintWriter out, DistillPlan plan) {
        TextTable t = new TextTable("PAIR", "STUDENT -> TEACHER", "ADAPTERS", "TERM", "TYPE", "WEIGHT", "SCHEDULE",
                "OPTIONS");
        for (PairPlan p : plan.pairs()) {
            String adapters = p.adapters().isEmpty() ? "-"
                    : p.adapters().stream().map(AdapterPlan::type).collect(Collectors.joining(" > "));
            boolean first = true;
            for (TermPlan term : p.terms()) {
                t.row(first ? p.name() : "", first ? p.student() + " -> " + p.teacher() : "", first ? adapters : "",
                        term.name(), term.type(), term.weight(), term.schedule(), options(term.options()));
                first = false;
            }
        }
        t.print(out);
    }

    private static String options(Options o) {
        return o.keys().stream().map(k -> k + "=" + o.getString(k)).collect(Collectors.joining(", "));
    }
}
