package io.distill4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.distill4j.runtime.BatchFile;
import io.distill4j.runtime.DistillBatch;
import io.distill4j.runtime.DistillResult;
import io.distill4j.runtime.Distiller;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.NpzFiles;
import io.distill4j.runtime.OutputPaths;
import io.distill4j.runtime.TermResult;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code distill eval}: computes every term, the total and the gradients with respect to the
 * student's tensors on arrays saved from NumPy or PyTorch, so the numbers can be checked against
 * one's own code.
 */
@Command(name = "eval", description = {
        "Compute every configured term, the total and the student gradients on tensors from a .npz.",
        "Input keys: student.<name>, teacher.<name>, targets (class indices or an (N, K) matrix),",
        "task_loss (optional scalar), param.<pair>.<part>.<name> (weights of trainable parts),",
        "any other key as a named input (e.g. mask.<pair> for MGD).",
        "Output keys: loss.<pair>.<term> (raw), weighted.<pair>.<term>, total, grad.student.<name>,",
        "grad.param.<pair>.<part>.<name>."})
final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "the experiment file (.conf)")
    Path experiment;

    @Parameters(index = "1", paramLabel = "INPUTS", description = "the tensors (.npz, from numpy.savez)")
    Path inputs;

    @Option(names = {"-o", "--output"}, paramLabel = "NPZ", description = "write losses and gradients to this .npz")
    Path output;

    @Option(names = "--epoch", defaultValue = "1", description = "the epoch the step belongs to (default 1)")
    int epoch;

    @Option(names = "--step", defaultValue = "0", description = "the global step (default 0)")
    long step;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (epoch < 1 || step < 0) {
            throw new InvalidInputException("--epoch counts from 1 and --step from 0, got --epoch " + epoch + " --step " + step);
        }
        DistillPlan plan = root.runtime(err).load(experiment);
        if (output != null) {
            OutputPaths.file(output, "the eval output"); // before any computing
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            BatchFile in = BatchFile.read(inputs, manager, note -> err.println("note: " + note));
            Distiller distiller = Distiller.create(plan, in.studentShapes(), in.teacherShapes());
            distiller.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32);
            Map<String, Parameter> params = distiller.trainableParts().namedParameters();
            distiller.trainableParts().assign(in.params(), inputs.toString());
            params.forEach((name, p) -> {
                if (p.requiresGradient()) {
                    if (!in.params().containsKey(name)) {
                        err.println("note: " + inputs + " gives no 'param." + name + "'; it keeps a random initialisation");
                    }
                }
            });

            DistillBatch.Builder batch = in.toBatch(manager).step(step).epoch(epoch);

            DistillResult result;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                result = distiller.compute(batch.build());
                gc.backward(result.total());
            }

            TextTable t = new TextTable("PAIR", "TERM", "TYPE", "WEIGHT", "RAW", "WEIGHTED", "");
            Map<String, NDArray> written = new LinkedHashMap<>();
            for (TermResult term : result.terms()) {
                float raw = term.raw().getFloat();
                float weighted = term.weighted().getFloat();
                t.row(term.pair(), term.name(), term.type(), term.weight(), raw, weighted,
                        term.skipped() ? "skipped (non-finite)" : "");
                written.put("loss." + term.key(), term.raw());
                written.put("weighted." + term.key(), term.weighted());
            }
            t.print(out);
            result.taskLoss().ifPresent(l -> out.println("task loss: " + l.getFloat() + " x " + plan.taskLossWeight()));
            out.println("total: " + result.total().getFloat());
            written.put("total", result.total());
            in.student().forEach((k, v) -> written.put("grad.student." + k, v.getGradient()));
            params.forEach((name, p) -> {
                if (p.requiresGradient()) {
                    written.put("grad.param." + name, p.getArray().getGradient());
                }
            });

            if (output != null) {
                NpzFiles.write(output, written);
                out.println("wrote " + written.size() + " arrays to " + output);
            }
        }
        return 0;
    }
}
