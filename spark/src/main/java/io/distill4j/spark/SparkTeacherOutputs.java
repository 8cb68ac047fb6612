package io.distill4j.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import io.distill4j.djl.TeacherOutputs;
import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.Distill4jException;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.config.ExperimentLoader;
import io.distill4j.runtime.plan.DistillPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code distill teacher-outputs} on Apache Spark: the driver reads the experiment, trains (or loads)
 * the teachers once, and hands each partition a list of shards; an executor loads the data and the
 * teachers once per JVM, computes its shards exactly as the local command does (the same batches),
 * and writes them into the cache's temporary folder; the driver then writes the manifest and renames
 * the folder into place. The result is byte for byte the local command's.
 *
 * <p>On a cluster, the experiment's data, the teacher cache ({@code train.cache}) and the output
 * folder must be on a file system every executor sees (a shared mount).
 */
@Command(name = "distill-spark", mixinStandardHelpOptions = true, description = {
        "Compute an experiment's teacher outputs on Apache Spark: the same shards and manifest as distill teacher-outputs."})
public final class SparkTeacherOutputs implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "an experiment file (.conf)")
    Path experiment;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "where to store the outputs")
    Path output;

    @Option(names = "--precision", defaultValue = "float32", description = "float32 (exact) or float16")
    String precision;

    @Option(names = "--shard-size", defaultValue = "1024", description = "samples per shard (default 1024)")
    int shardSize;

    @Option(names = "--master", description = "Spark master URL (default: spark.master as spark-submit sets it, else local[*])")
    String master;

    @Option(names = "--partitions", description = "Spark partitions (default: one per shard, at most 4 per core)")
    Integer partitions;

    private final PrintWriter out;
    private final PrintWriter err;

    SparkTeacherOutputs(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        io.distill4j.cli.Engines.configureDefaults();
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the job and returns its exit code: 0, 2 for bad input (one line), 1 for a fault of its own. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new SparkTeacherOutputs(out, err));
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable cause = rootBadInput(e);
            if (cause instanceof Distill4jException d && d.kind() == Distill4jException.Kind.BAD_INPUT) {
                err.println("error: " + cause.getMessage());
                return 2;
            }
            err.println("internal error: " + e);
            return 1;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** A bad input thrown on an executor reaches the driver wrapped in Spark's exceptions. */
    private static Throwable rootBadInput(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Distill4jException d && d.kind() == Distill4jException.Kind.BAD_INPUT) {
                return t;
            }
        }
        return e;
    }

    @Override
    public Integer call() throws IOException {
        TeacherOutputs.Precision p = TeacherOutputs.Precision.of(precision);
        if (shardSize < 1 || (partitions != null && partitions < 1)) {
            throw new InvalidInputException("--shard-size and --partitions must be at least 1");
        }
        String url = master != null ? master : System.getProperty("spark.master", "local[*]");
        checkReachable(url);
        Config config = ExperimentLoader.read(experiment);
        String text = config.root().render(ConfigRenderOptions.concise());
        String name = experiment.getFileName().toString().replaceFirst("\\.conf$", "");
        Job job = new Job(text, experiment.toString(), name);
        long t0 = System.nanoTime();
        // The driver trains a teacher that is not cached yet, so every executor finds it there.
        try (TrainJob.TeacherPass pass = job.trainJob(err).teacherPass(true);
             TeacherOutputs.Writer writer = pass.writer(output, p, shardSize)) {
            int shards = pass.shards(shardSize);
            SparkSession spark = SparkSession.builder().master(url).appName("distill4j teacher-outputs " + name).getOrCreate();
            try {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                int slices = partitions != null ? partitions : Math.max(1, Math.min(shards, 4 * sc.defaultParallelism()));
                List<Integer> ks = IntStream.range(0, shards).boxed().toList();
                List<Integer> done = sc.parallelize(ks, slices)
                        .mapPartitions(new ShardTask(job, writer.folderBeingWritten().toString(), shardSize, p.toString()))
                        .collect();
                if (done.size() != shards) {
                    throw new IllegalStateException(done.size() + " of " + shards + " shards came back");
                }
                for (int k = 0; k < shards; k++) {
                    writer.adoptShard(k);
                }
                writer.commit();
                out.printf(Locale.ROOT, "teacher outputs: %s%n  %d samples in %d shards over %d partitions on %s, %s, %.1f s%n",
                        output, pass.samples(), shards, slices, url, p, (System.nanoTime() - t0) / 1e9);
            } finally {
                spark.stop();
            }
        }
        return 0;
    }

    /** A master that cannot be reached is one line, not minutes of Spark retrying. */
    static void checkReachable(String url) {
        if (!url.startsWith("spark://")) {
            return;
        }
        URI uri = URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 7077 : uri.getPort()), 5000);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("--master " + url + ": cannot reach the Spark master (" + e.getMessage() + ")");
        }
    }

    /** What every executor needs to rebuild the job: the resolved experiment, as text. */
    record Job(String experimentText, String source, String name) implements Serializable {
        TrainJob trainJob(PrintWriter log) {
            Config c = ConfigFactory.parseString(experimentText).resolve();
            DistillPlan plan = Distill4j.start((Path) null).experiments().parse(c, source);
            return new TrainJob(name, plan, TrainSettings.of(c, source), false, log);
        }
    }

    /** An executor's shards: computed with its one teacher pass and written into the cache's temporary folder. */
    static final class ShardTask implements FlatMapFunction<Iterator<Integer>, Integer> {
        private final Job job;
        private final String folder;
        private final int shardSize;
        private final String precision;

        ShardTask(Job job, String folder, int shardSize, String precision) {
            this.job = job;
            this.folder = folder;
            this.shardSize = shardSize;
            this.precision = precision;
        }

        @Override
        public Iterator<Integer> call(Iterator<Integer> shards) throws IOException {
            TrainJob.TeacherPass pass = ExecutorPasses.get(job);
            TeacherOutputs.Precision p = TeacherOutputs.Precision.of(precision);
            List<Integer> done = new ArrayList<>();
            while (shards.hasNext()) {
                int k = shards.next();
                byte[] records;
                // One model per executor, shared by its task threads: its forward passes take turns.
                synchronized (pass) {
                    records = pass.shard(k, shardSize, p);
                }
                Path target = Path.of(folder, String.format(Locale.ROOT, "shard-%05d.bin", k));
                Path part = Path.of(folder, target.getFileName() + ".part");
                Files.write(part, records);
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                done.add(k);
            }
            return done.iterator();
        }
    }

    /** The teacher passes of this JVM, one per job: an executor loads the data and the teachers once, not per row or task. */
    static final class ExecutorPasses {
        private static final Map<Job, TrainJob.TeacherPass> PASSES = new ConcurrentHashMap<>();

        private ExecutorPasses() {}

        static TrainJob.TeacherPass get(Job job) {
            return PASSES.computeIfAbsent(job, j -> {
                try {
                    // The driver trained every teacher: here a missing one is refused, never trained again.
                    return j.trainJob(new PrintWriter(new StringWriter())).teacherPass(false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** How many passes this JVM holds (a test checks one per job). */
        static int count() {
            return PASSES.size();
        }
    }
}
