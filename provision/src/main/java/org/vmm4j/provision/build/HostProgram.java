package org.vmm4j.provision.build;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A program the builder starts, found by name in a list of directories (the process's {@code PATH} plus
 * the sbin directories, where Debian keeps mke2fs), with the Debian package that installs it for the
 * error when it is missing. It runs from an argument list, never a shell string, with standard input from
 * {@code /dev/null}; its output goes line by line to a consumer (progress), and the last lines are kept
 * for the error when it fails.
 */
final class HostProgram {
    private static final int TAIL_LINES = 25;

    private final String name;
    private final Path path;

    private HostProgram(String name, Path path) {
        this.name = name;
        this.path = path;
    }

    /** The directories searched by default: {@code PATH}, then {@code /usr/local/sbin}, {@code /usr/sbin}, {@code /sbin}. */
    static List<Path> defaultSearchPath() {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                dirs.add(Path.of(dir));
            }
        }
        dirs.addAll(List.of(Path.of("/usr/local/sbin"), Path.of("/usr/sbin"), Path.of("/sbin")));
        return dirs;
    }

    /**
     * The executable {@code name} in the first of {@code searchPath} that has one.
     *
     * @throws ImageBuildException when none has, naming the apt package to install
     */
    static HostProgram find(String name, String aptPackage, List<Path> searchPath) {
        for (Path dir : searchPath) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return new HostProgram(name, candidate);
            }
        }
        throw new ImageBuildException(name + " is not installed (searched " + searchPath
                + "): building a base image needs it; install it with: apt-get install " + aptPackage);
    }

    Path path() {
        return path;
    }

    /**
     * Runs {@code arguments} after the program's path and waits for it.
     *
     * @param output receives each line the program prints (standard output and error merged)
     * @throws ImageBuildException when it cannot start, exits non-zero (the message holds its last lines),
     *         does not finish within {@code timeout}, or the thread is interrupted (the program is killed)
     */
    void run(List<String> arguments, Duration timeout, Consumer<String> output) {
        List<String> command = new ArrayList<>();
        command.add(path.toString());
        command.addAll(arguments);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new ImageBuildException("cannot start " + path + ": " + e.getMessage(), e);
        }
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            synchronized (tail) {
                                tail.addLast(line);
                                if (tail.size() > TAIL_LINES) {
                                    tail.removeFirst();
                                }
                            }
                            output.accept(line);
                        }
                    } catch (IOException e) {
                        // the pipe closes when the program is killed; its exit status tells the story
                    }
                },
                name + " output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new ImageBuildException(
                        name + " did not finish within " + timeout + ": " + String.join(" ", command));
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageBuildException("interrupted while " + name + " was running; it was killed", e);
        }
        int status = process.exitValue();
        if (status != 0) {
            String last;
            synchronized (tail) {
                last = String.join("\n", tail);
            }
            throw new ImageBuildException(name + " exited with status " + status + ": " + String.join(" ", command)
                    + (last.isEmpty() ? "" : "\n" + last));
        }
    }
}
