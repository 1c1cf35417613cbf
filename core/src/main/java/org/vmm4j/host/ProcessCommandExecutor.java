package org.vmm4j.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.VmmException;
import org.vmm4j.internal.AtomicFiles;

/**
 * {@link CommandExecutor} over {@link ProcessBuilder} and {@link Files}: argument lists checked by
 * {@link SafeNames#requireCommand}, standard input from {@code /dev/null} (a program that asks a
 * question gets end-of-file instead of hanging), and a time limit after which the program is killed.
 */
final class ProcessCommandExecutor implements CommandExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandExecutor.class);

    /** Long enough for a package install over a slow link; a hung program still ends. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    static final ProcessCommandExecutor INSTANCE = new ProcessCommandExecutor(DEFAULT_TIMEOUT);
    private static final File NULL_DEVICE = new File("/dev/null");

    private final Duration timeout;

    ProcessCommandExecutor(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    /**
     * @throws CommandFailedException when the program cannot be started or does not finish in time
     */
    @Override
    public CommandResult run(List<String> command) {
        List<String> checked = SafeNames.requireCommand(command);
        String program = checked.get(0);
        Process process;
        try {
            process = new ProcessBuilder(checked)
                    .redirectInput(ProcessBuilder.Redirect.from(NULL_DEVICE))
                    .start();
        } catch (IOException e) {
            throw new CommandFailedException(program, "cannot start " + program + ": " + e.getMessage(), e);
        }
        // Each pipe is drained by its own thread: a child blocked on a full pipe would never exit, and
        // shared pool threads could all be busy draining other children.
        Drain stdout = new Drain(process.getInputStream(), program + " stdout");
        Drain stderr = new Drain(process.getErrorStream(), program + " stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(
                        program, String.join(" ", checked) + " did not finish within " + timeout);
            }
            return new CommandResult(checked, process.exitValue(), stdout.text(), stderr.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            // Not a CommandFailedException: a plan must stop here, not take an interrupted check as "not done".
            throw new VmmException(program, 0, "interrupted while waiting for " + program, e);
        }
    }

    /** Reads one pipe to its end on a daemon thread. */
    private static final class Drain extends Thread {
        private final InputStream in;
        private volatile String text = "";

        Drain(InputStream in, String name) {
            super(name);
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (in) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                // the pipe closes with a killed child; its exit status tells the story
                LOG.debug("reading {} ended with an error", getName(), e);
            }
        }

        String text() throws InterruptedException {
            join();
            return text;
        }
    }

    @Override
    public Optional<String> readFile(Path file) {
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public void writeFile(Path file, String content) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }
}
