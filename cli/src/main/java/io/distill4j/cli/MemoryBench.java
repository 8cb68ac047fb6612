package io.distill4j.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.distill4j.runtime.Distill4j;
import io.distill4j.cli.train.TrainJob;
import io.distill4j.cli.train.TrainSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Process memory over a long distilled run of the built-in default experiment: resident set size
 * (from /proc/self/status) and native arrays alive in the long-lived managers, sampled twenty times.
 */
final class MemoryBench {
    private MemoryBench() {}

    /** The built-in default experiment at its own data size (6,000 training images). */
    static void run(Distill4j runtime, int steps, PrintWriter out, PrintWriter err) throws IOException {
        run(runtime, steps, 6000, "", out, err);
    }

    /**
     * The same on {@code trainSize} training images, with {@code settings} (HOCON {@code train} keys)
     * laid over the built-in default's: a test runs it small.
     */
    static void run(Distill4j runtime, int steps, int trainSize, String settings, PrintWriter out, PrintWriter err)
            throws IOException {
        int batch = 64;
        int perEpoch = Math.max(1, trainSize / batch);
        int epochs = (steps + perEpoch - 1) / perEpoch;
        Config c = ConfigFactory.parseString("train { epochs = " + epochs + ", batch-size = " + batch
                        + ", data.train-size = " + trainSize + ", output = \"" + Files.createTempDirectory("distill-memory") + "\" }")
                .withFallback(ConfigFactory.parseString(settings)).withFallback(TrainCommand.builtIn()).resolve();
        int every = Math.max(1, steps / 20);
        // The malloc arenas decide much of native memory's rise (BENCHMARKS.md): say which this run had.
        String arenas = System.getenv("MALLOC_ARENA_MAX");
        out.printf("malloc arenas: %s%n", arenas == null ? "glibc's default (MALLOC_ARENA_MAX unset)" : "MALLOC_ARENA_MAX=" + arenas);
        out.printf(Locale.ROOT, "%8s %10s %14s %12s%n", "STEP", "RSS MB", "JAVA HEAP MB", "LIVE ARRAYS");
        long[] firstAt1000 = {-1};
        TrainJob job = new TrainJob("memory", runtime.experiments().parse(c, "built-in default"), TrainSettings.of(c, "memory"),
                false, err).distilledOnly().observe((step, live) -> {
                    long done = step + 1;
                    if (done % every == 0 || done == 1000 || done == 1) {
                        long rss = rssKb();
                        if (done == 1000) {
                            firstAt1000[0] = rss;
                        }
                        // The heap the JVM has committed is part of RSS: it grows until the collector
                        // finds its steady size, which says nothing about native memory.
                        double heap = Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0);
                        out.printf(Locale.ROOT, "%8d %10.1f %14.1f %12d%n", done, rss / 1024.0, heap, live.getAsInt());
                        out.flush();
                    }
                });
        job.run();
        long end = rssKb();
        if (firstAt1000[0] > 0) {
            out.printf(Locale.ROOT, "RSS at the end / RSS after 1000 steps: %.3f%n", (double) end / firstAt1000[0]);
        }
    }

    /** VmRSS in kB, or -1 where /proc is not available. */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
