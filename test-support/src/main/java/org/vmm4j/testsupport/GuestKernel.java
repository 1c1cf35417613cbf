package org.vmm4j.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/**
 * vmm4j's own guest kernel, built from Debian's {@code linux-source-6.1} by the repository's
 * {@code guest/linux/build-kernel} (tinyconfig plus {@code guest/linux/vmm4j.config}) and cached per
 * machine. The first call in a JVM runs the script (a cache hit returns at once; a build takes 4 to 11
 * minutes on two cores), later calls reuse its answer. Where the source package or the build tools are
 * missing the calling test is skipped naming them, or fails where {@code VMM4J_REQUIRE_TOOLS=1}, as with
 * {@link HostRequirements}; a build that fails with the packages present fails the test.
 *
 * <p>{@code VMM4J_GUEST_KERNEL_DIR}, when set, names a directory holding {@code vmlinux} and
 * {@code bzImage} to use instead (a kernel built elsewhere); the script is not run then. Each {@link
 * Variant} has its own variable ({@link Variant#directoryVariable()}).
 */
public final class GuestKernel {
    /** The script, relative to the repository root. */
    static final String SCRIPT = "guest/linux/build-kernel";
    /** Names a prebuilt kernel directory to use instead of running the script. */
    static final String DIRECTORY_VARIABLE = "VMM4J_GUEST_KERNEL_DIR";
    /** build-kernel's exit status for "packages are missing and were not installed". */
    static final int MISSING_PACKAGES = 3;

    private static final long BUILD_TIMEOUT_MINUTES = 60;
    private static final int STDERR_TAIL_LINES = 30;

    /** What looking for the kernel gave: a directory, or why there is none (missing on the host, or failed). */
    record Outcome(Path directory, String missing, String failure) {
        static Outcome found(Path directory) {
            return new Outcome(directory, null, null);
        }

        static Outcome missing(String why) {
            return new Outcome(null, why, null);
        }

        static Outcome failed(String why) {
            return new Outcome(null, null, why);
        }
    }

    /** Which kernel of the recipe: the unmodified source, or one of the script's {@code --variant}s. */
    public enum Variant {
        /** The recipe's kernel, built from the unmodified source. */
        STANDARD(null, DIRECTORY_VARIABLE),
        /**
         * The same kernel without the call of {@code int3_selftest()} in {@code alternative_instructions()}
         * ({@code build-kernel --variant no-int3-selftest}): for hosts whose KVM cannot deliver that INT3,
         * where every VMM stops at the self-test.
         */
        NO_INT3_SELFTEST("no-int3-selftest", "VMM4J_GUEST_KERNEL_NO_INT3_SELFTEST_DIR");

        private final String scriptName;
        private final String directoryVariable;

        Variant(String scriptName, String directoryVariable) {
            this.scriptName = scriptName;
            this.directoryVariable = directoryVariable;
        }

        /** The script's arguments that build this variant. */
        List<String> scriptArguments() {
            return scriptName == null ? List.of() : List.of("--variant", scriptName);
        }

        /** The environment variable naming a prebuilt directory of this variant. */
        public String directoryVariable() {
            return directoryVariable;
        }
    }

    private static final Map<Variant, Outcome> OUTCOMES = new EnumMap<>(Variant.class);

    private GuestKernel() {}

    /** The ELF {@code vmlinux} (the PVH and 64-bit ELF entries boot it). */
    public static Path vmlinux() {
        return vmlinux(Variant.STANDARD);
    }

    /** The {@code bzImage}. */
    public static Path bzImage() {
        return bzImage(Variant.STANDARD);
    }

    /** The cache directory holding {@code vmlinux}, {@code bzImage}, {@code .config} and {@code build-info}. */
    public static Path directory() {
        return directory(Variant.STANDARD);
    }

    /** The ELF {@code vmlinux} of {@code variant}. */
    public static Path vmlinux(Variant variant) {
        return directory(variant).resolve("vmlinux");
    }

    /** The {@code bzImage} of {@code variant}. */
    public static Path bzImage(Variant variant) {
        return directory(variant).resolve("bzImage");
    }

    /** The cache directory of {@code variant}. */
    public static Path directory(Variant variant) {
        return require(outcome(variant));
    }

    private static synchronized Outcome outcome(Variant variant) {
        return OUTCOMES.computeIfAbsent(
                variant, v -> locate(v, System.getenv(), Path.of(System.getProperty("user.dir"))));
    }

    /** Runs, skips or fails the caller according to {@code o}; returns the directory when there is one. */
    static Path require(Outcome o) {
        if (o.failure() != null) {
            Assertions.fail(o.failure());
        }
        if (o.missing() != null) {
            HostRequirements.require(
                    HostRequirement.of("vmm4j's guest kernel", RequirementKind.TOOLS, env -> Optional.of(o.missing())));
        }
        return o.directory();
    }

    /** Finds the kernel for {@code environment}, running the script of the repository above {@code workingDirectory}. */
    static Outcome locate(Map<String, String> environment, Path workingDirectory) {
        return locate(Variant.STANDARD, environment, workingDirectory);
    }

    /** Finds {@code variant} for {@code environment}, running the script of the repository above {@code workingDirectory}. */
    static Outcome locate(Variant variant, Map<String, String> environment, Path workingDirectory) {
        String given = environment.get(variant.directoryVariable());
        if (given != null && !given.isEmpty()) {
            return prebuilt(variant.directoryVariable(), Path.of(given));
        }
        Optional<Path> root = repositoryRoot(workingDirectory);
        if (root.isEmpty()) {
            return Outcome.failed("no vmm4j repository (a directory with pom.xml and " + SCRIPT + ") at or above "
                    + workingDirectory.toAbsolutePath());
        }
        List<String> command = new ArrayList<>();
        command.add(root.get().resolve(SCRIPT).toString());
        command.addAll(variant.scriptArguments());
        System.out.println("[vmm4j] guest kernel: running " + String.join(" ", command)
                + " (a cache hit returns at once; a build takes 4 to 11 minutes on 2 cores)");
        return run(command, BUILD_TIMEOUT_MINUTES);
    }

    private static Outcome prebuilt(String variable, Path directory) {
        for (String file : List.of("vmlinux", "bzImage")) {
            if (!Files.isRegularFile(directory.resolve(file))) {
                return Outcome.failed(
                        variable + "=" + directory + " has no " + file + ": unset it to build the kernel");
            }
        }
        return Outcome.found(directory);
    }

    /**
     * The repository root: the nearest directory at or above {@code start} holding both {@code pom.xml}
     * and the script (Maven runs a module's tests in the module's directory, one level below it).
     */
    static Optional<Path> repositoryRoot(Path start) {
        for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isRegularFile(p.resolve(SCRIPT))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code command} (the script and its arguments) and reads its answer: the directory on the last
     * line of stdout when it exits 0, its last stderr line as the reason when it exits
     * {@link #MISSING_PACKAGES}, and a failure quoting the end of its stderr otherwise.
     */
    static Outcome run(List<String> command, long timeoutMinutes) {
        Path errors = null;
        try {
            errors = Files.createTempFile("vmm4j-build-kernel", ".log");
            Process process = new ProcessBuilder(command)
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(errors.toFile())
                    .start();
            byte[] stdout = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                return Outcome.failed(command.get(0) + " did not finish within " + timeoutMinutes + " minutes");
            }
            List<String> stderr = Files.readAllLines(errors, StandardCharsets.UTF_8);
            return outcome(command.get(0), process.exitValue(), new String(stdout, StandardCharsets.UTF_8), stderr);
        } catch (IOException e) {
            return Outcome.failed("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed("interrupted while " + command.get(0) + " ran");
        } finally {
            if (errors != null) {
                try {
                    Files.deleteIfExists(errors);
                } catch (IOException e) {
                    // a left-over temporary file is no reason to fail the test
                }
            }
        }
    }

    /** The outcome of one finished run of the script: its exit status, stdout and stderr lines. */
    static Outcome outcome(String script, int status, String stdout, List<String> stderr) {
        if (status == MISSING_PACKAGES) {
            String last = stderr.isEmpty() ? "missing packages" : stderr.get(stderr.size() - 1);
            return Outcome.missing(last.replaceFirst("^build-kernel: ", ""));
        }
        if (status != 0) {
            return Outcome.failed(script + " failed with exit status " + status + ":\n" + tail(stderr));
        }
        String[] lines = stdout.strip().split("\n");
        Path directory = Path.of(lines[lines.length - 1].strip());
        Outcome found = prebuilt(DIRECTORY_VARIABLE, directory);
        if (found.failure() != null) {
            return Outcome.failed(
                    script + " printed " + directory + ", which is no kernel directory:\n" + tail(stderr));
        }
        return found;
    }

    private static String tail(List<String> lines) {
        List<String> tail = new ArrayList<>(lines.subList(Math.max(0, lines.size() - STDERR_TAIL_LINES), lines.size()));
        return String.join("\n", tail);
    }
}
