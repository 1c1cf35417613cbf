package org.vmm4j.examples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.vmm4j.VmmException;

/**
 * The {@code vmm4j} command: {@code vmm4j <command> [options]}. Each command is a small class; this
 * one only dispatches and turns failures into one line on stderr and a non-zero exit status.
 */
public final class Cli {

    /** A sub-command. */
    interface Command {
        String summary();

        /** Runs with the arguments after the command name; returns the exit status. */
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    private static Map<String, Command> commands() {
        Map<String, Command> commands = new LinkedHashMap<>();
        commands.put("info", new InfoCommand());
        commands.put("hello", new HelloCommand());
        commands.put("boot", new BootCommand());
        commands.put("vmlinux", new VmlinuxCommand());
        commands.put("guests", new GuestsCommand());
        commands.put("provision", new ProvisionCommand());
        commands.put("images", new ImagesCommand());
        commands.put("setup", new SetupCommand());
        commands.put("tiny-kernel", new TinyKernelCommand());
        return commands;
    }

    private Cli() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        // Returning ends the JVM as well (every thread vmm4j starts is a daemon) and is cheaper than
        // System.exit, which looks up the java.lang.Runtime logger and so starts System.Logger's machinery.
        System.out.flush();
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(commands, args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            err.println("vmm4j: unknown command '" + args[0] + "'");
            usage(commands, err);
            return 2;
        }
        try {
            return command.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        } catch (IllegalArgumentException e) {
            err.println("vmm4j " + args[0] + ": " + e.getMessage());
            return 2;
        } catch (VmmException e) {
            err.println("vmm4j " + args[0] + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("vmm4j " + args[0] + ": " + e);
            return 1;
        }
    }

    private static void usage(Map<String, Command> commands, PrintStream out) {
        out.println("usage: vmm4j <command> [options]");
        out.println();
        commands.forEach((name, c) -> out.printf("  %-10s %s%n", name, c.summary()));
    }
}
