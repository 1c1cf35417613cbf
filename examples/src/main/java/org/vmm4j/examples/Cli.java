package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.file.FileSystemException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.vmm4j.VmmException;
import org.vmm4j.internal.FileReads;
import org.vmm4j.text.Localized;

/**
 * The {@code vmm4j} command: {@code vmm4j [--lang TAG] <command> [options]}. Each command is a small
 * class; this one only dispatches, answers {@code --help} and {@code --version}, picks the language
 * ({@link CliText}) and turns failures into one line on stderr and a non-zero exit status.
 */
public final class Cli {

    /** A sub-command. */
    interface Command {
        /** What the command accepts: its {@link Arguments} parse against this, and its help prints it. */
        CommandSpec spec();

        /** Runs with the arguments after the command name; returns the exit status. */
        int run(String[] args, PrintStream out, PrintStream err) throws Exception;
    }

    static Map<String, Command> commands() {
        Map<String, Command> commands = new LinkedHashMap<>();
        commands.put("info", new InfoCommand());
        commands.put("hello", new HelloCommand());
        commands.put("boot", new BootCommand());
        commands.put("restore", new RestoreCommand());
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
        Map<String, String> env = System.getenv();
        PrintStream out = System.out;
        PrintStream err = System.err;
        Optional<Charset> charset = CliText.charset(env);
        if (charset.isPresent()) {
            out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, charset.get());
            err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, charset.get());
        }
        int status = run(args, env, out, err);
        // Returning ends the JVM as well (every thread vmm4j starts is a daemon) and is cheaper than
        // System.exit, which looks up the java.lang.Runtime logger and so starts System.Logger's machinery.
        out.flush();
        err.flush();
        if (status != 0) {
            System.exit(status);
        }
    }

    /** {@link #run(String[], Map, PrintStream, PrintStream)} in an environment without locale variables: English. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, Map.of(), out, err);
    }

    /**
     * Runs one command line in the language {@code --lang TAG} (first argument) names, else the one
     * {@code env}'s LC_ALL, LC_MESSAGES or LANG does.
     */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Locale locale;
        String[] rest = args;
        try {
            if (args.length > 0 && args[0].startsWith("--lang=")) {
                locale = CliText.parse(args[0].substring("--lang=".length()));
                rest = Arrays.copyOfRange(args, 1, args.length);
            } else if (args.length > 0 && args[0].equals("--lang")) {
                if (args.length < 2) {
                    err.println("vmm4j: " + t("cli.lang-needs-value"));
                    return 2;
                }
                locale = CliText.parse(args[1]);
                rest = Arrays.copyOfRange(args, 2, args.length);
            } else {
                locale = CliText.fromEnvironment(env);
            }
        } catch (IllegalArgumentException e) {
            err.println("vmm4j: " + e.getMessage());
            return 2;
        }
        String[] commandLine = rest;
        return CliText.with(locale, () -> dispatch(commandLine, out, err));
    }

    private static int dispatch(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(commands, args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("--version")) {
            out.println("vmm4j " + version());
            return 0;
        }
        Command command = commands.get(args[0]);
        if (command == null) {
            err.println("vmm4j: " + t("cli.unknown-command", args[0]));
            usage(commands, err);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (command.spec().wantsHelp(rest)) {
            out.print(command.spec().help(CliText.locale()));
            return 0;
        }
        try {
            return command.run(rest, out, err);
        } catch (IllegalArgumentException e) {
            err.println("vmm4j " + args[0] + ": " + describe(e));
            return 2;
        } catch (VmmException | UnsupportedOperationException e) {
            err.println("vmm4j " + args[0] + ": " + describe(e));
            return 1;
        } catch (UncheckedIOException e) {
            err.println("vmm4j " + args[0] + ": " + describe(e.getCause()));
            return 1;
        } catch (IOException e) {
            err.println("vmm4j " + args[0] + ": " + describe(e));
            return 1;
        } catch (Exception e) {
            err.println("vmm4j " + args[0] + ": " + e);
            return 1;
        }
    }

    /** The version in the jar's manifest (Implementation-Version, from the pom); "unknown" when run from classes. */
    static String version() {
        String version = Cli.class.getPackage().getImplementationVersion();
        return version == null ? "unknown" : version;
    }

    /**
     * What went wrong, in the CLI's locale where the failure says it as a message ({@link Localized}),
     * else in its own words.
     */
    static String describe(RuntimeException e) {
        if (e instanceof Localized l) {
            return l.text().render(CliText.locale());
        }
        return String.valueOf(e.getMessage());
    }

    /** What went wrong, as a user reads it: "no such file: X", not the exception's class name. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String file = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            return FileReads.reason(f) + ": " + file;
        }
        return e.getMessage() == null ? t("cli.io-error") : e.getMessage();
    }

    private static void usage(Map<String, Command> commands, PrintStream out) {
        out.println(t("cli.usage"));
        out.println();
        commands.forEach((name, c) -> out.printf("  %-10s %s%n", name, c.spec().summary(CliText.locale())));
    }
}
