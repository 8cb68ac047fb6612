package io.distill4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One in-process run of the distill command line: its exit code and what it wrote to each stream. */
record CliRun(int code, String out, String err) {
    /**
     * Runs distill with {@code noPlugins} as its plugins folder unless the arguments name one, so that
     * plugins from the environment ({@code DISTILL4J_PLUGINS}, {@code ./plugins}) never reach a test.
     */
    static CliRun of(Path noPlugins, String... args) {
        List<String> all = new ArrayList<>();
        if (!List.of(args).contains("--plugins-dir")) {
            try {
                java.nio.file.Files.createDirectories(noPlugins); // empty: no drop-in plugin, and no warning of a missing folder
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            all.add("--plugins-dir");
            all.add(noPlugins.toString());
        }
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DistillCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
        return new CliRun(code, out.toString(), err.toString());
    }
}
