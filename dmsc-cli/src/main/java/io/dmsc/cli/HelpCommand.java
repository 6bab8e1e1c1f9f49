package io.dmsc.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dmsc help [COMMAND [SUBCOMMAND]]}: the usage of any command of the tree, nested ones too.
 * (picocli's own help command looks one level down only and, as a help command, ignores unknown
 * options; this one is an ordinary command, so the parser refuses them.)
 */
@Command(name = "help", description = {"Show the usage of dmsc or of one of its commands.",
    "The same as dmsc COMMAND [SUBCOMMAND] --help."},
        footerHeading = "%nExamples:%n",
        footer = {"  dmsc help show", "  dmsc help link impair"})
final class HelpCommand implements Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*",
            description = "a command, then a subcommand of it (default: dmsc itself)")
    List<String> path = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        CommandLine self = spec.commandLine();
        CommandLine target = self.getParent();
        for (String name : path) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                throw new ParameterException(target, "unknown command '" + name + "' (expected: one of "
                        + String.join(", ", target.getSubcommands().keySet()) + ")");
            }
            target = sub;
        }
        target.usage(self.getOut(), self.getColorScheme());
    }
}
