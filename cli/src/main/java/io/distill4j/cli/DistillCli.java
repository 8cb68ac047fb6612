package io.distill4j.cli;

import io.distill4j.runtime.Distill4j;
import io.distill4j.runtime.Distill4jException;
import io.distill4j.runtime.InvalidInputException;
import io.distill4j.runtime.plugin.PluginLoadException;
import io.distill4j.runtime.plugin.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code distill} command line. Exit codes: 0 success, 2 bad input (config, plugin, inputs),
 * 1 an internal error.
 */
@Command(name = "distill", mixinStandardHelpOptions = true, versionProvider = DistillCli.Version.class,
        description = "Knowledge distillation on DJL's PyTorch engine, configured by HOCON experiments.",
        subcommands = {TrainCommand.class, SweepCommand.class, TeacherOutputsCommand.class, ExportCommand.class, PluginsCommand.class, CheckCommand.class, EvalCommand.class,
            BenchCommand.class})
public final class DistillCli {
    /** Exit code for bad input. */
    static final int BAD_INPUT = 2;
    /** Exit code for an internal error. */
    static final int INTERNAL = 1;

    // No picocli defaultValue: picocli refuses a default equal to a subcommand name ("plugins").
    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "drop-in plugins folder (default: $DISTILL4J_PLUGINS, else ./plugins)")
    Path pluginsDir;

    @Option(names = "--strict", description = "treat any plugin that fails to load as an error")
    boolean strict;

    @Option(names = "--stacktrace", description = "print the stack trace of internal errors")
    boolean stacktrace;

    private Distill4j runtime;

    /** Loads the plugins once per invocation, reporting the ones that fail. */
    Distill4j runtime(PrintWriter err) {
        if (runtime == null) {
            Path dir = pluginsDir();
            // A folder the user named (--plugins-dir, DISTILL4J_PLUGINS) that is not there is a typo until shown otherwise.
            if (explicitPluginsDir() && !java.nio.file.Files.exists(dir)) {
                if (strict) {
                    throw new InvalidInputException(dir + ": no such plugins folder (--strict)");
                }
                err.println("warning: " + dir + ": no such plugins folder; only the built-in plugins are loaded");
            }
            Distill4j d = Distill4j.start(dir);
            PluginRegistry r = d.plugins();
            for (PluginLoadException p : r.problems()) {
                err.println((strict ? "error: " : "warning: ") + p.getMessage());
            }
            if (strict && !r.problems().isEmpty()) {
                throw new InvalidInputException(r.problems().size() + " plugin(s) failed to load (--strict)");
            }
            runtime = d;
        }
        return runtime;
    }

    private boolean explicitPluginsDir() {
        String env = System.getenv("DISTILL4J_PLUGINS");
        return pluginsDir != null || (env != null && !env.isBlank());
    }

    private Path pluginsDir() {
        if (pluginsDir != null) {
            return pluginsDir;
        }
        String env = System.getenv("DISTILL4J_PLUGINS");
        return Path.of(env == null || env.isBlank() ? "plugins" : env);
    }

    /** Runs the command line and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new DistillCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean trace = cmd.getCommandSpec().root().userObject() instanceof DistillCli root && root.stacktrace;
            // The one place where what went wrong becomes an exit code: bad input 2, anything else 1.
            if (e instanceof Distill4jException d && d.kind() == Distill4jException.Kind.BAD_INPUT) {
                err.println("error: " + e.getMessage());
                if (trace) {
                    e.printStackTrace(err);
                }
                return BAD_INPUT;
            }
            err.println("internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + (trace ? "" : " (run with --stacktrace for details)"));
            if (trace) {
                e.printStackTrace(err);
            }
            return INTERNAL;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The entry point. */
    public static void main(String[] args) {
        Engines.configureDefaults();
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }

    /** The version shown by {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = DistillCli.class.getPackage().getImplementationVersion();
            return new String[] {"distill4j " + (v == null ? "(development build)" : v)
                    + ", SPI " + io.distill4j.spi.SpiVersion.current()};
        }
    }
}
