package io.distill4j.cli;

import io.distill4j.runtime.plugin.PluginRegistry;
import io.distill4j.spi.DistillLossFactory;
import io.distill4j.spi.LossInput;
import io.distill4j.spi.OptionSpec;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code distill plugins}: every loss and adapter found, with its jar, versions and options. */
@Command(name = "plugins", description = "List every loss and adapter found, with its jar, version, SPI version and options.")
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    DistillCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PluginRegistry r = root.runtime(spec.commandLine().getErr()).plugins();

        TextTable table = new TextTable("KIND", "NAME", "INPUTS", "PLUGIN", "VERSION", "SPI", "JAR");
        r.losses().forEach((name, e) -> table.row("loss", name, inputs(e.factory()), e.plugin().descriptor().name(),
                e.plugin().descriptor().version(), e.plugin().descriptor().spiVersion(), e.plugin().location()));
        r.adapters().forEach((name, e) -> table.row("adapter", name, "features", e.plugin().descriptor().name(),
                e.plugin().descriptor().version(), e.plugin().descriptor().spiVersion(), e.plugin().location()));
        table.print(out);

        r.losses().forEach((name, e) -> options(out, "loss", name, e.factory().description(), e.factory().options()));
        r.adapters().forEach((name, e) -> options(out, "adapter", name, e.factory().description(), e.factory().options()));

        out.println();
        out.println(r.plugins().size() + " plugin(s), " + r.losses().size() + " loss(es), " + r.adapters().size()
                + " adapter(s)" + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " problem(s) (see above)"));
        return 0;
    }

    private static String inputs(DistillLossFactory f) {
        return f.inputs().stream().sorted().map(LossInput::name).map(s -> s.toLowerCase(Locale.ROOT))
                .collect(Collectors.joining("+"));
    }

    private static void options(PrintWriter out, String kind, String name, String description, List<OptionSpec> specs) {
        out.println();
        out.println(kind + " " + name + (description.isEmpty() ? "" : ": " + description));
        if (specs.isEmpty()) {
            out.println("  (no options)");
            return;
        }
        TextTable t = new TextTable("  OPTION", "TYPE", "DEFAULT", "ALLOWED", "DESCRIPTION");
        for (OptionSpec s : specs) {
            t.row("  " + s.name(), s.type().name().toLowerCase(Locale.ROOT), s.defaultValue(), s.allowedRange(), s.doc());
        }
        t.print(out);
    }
}
