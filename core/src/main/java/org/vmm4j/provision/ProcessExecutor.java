package org.vmm4j.provision;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs commands on this host with {@link ProcessBuilder}: argument lists only, stdin closed, a timeout. */
public final class ProcessExecutor implements CommandExecutor {
    private final Duration timeout;

    public ProcessExecutor(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    @Override
    public CommandResult run(List<String> argv) {
        List<String> checked = ArgumentCheck.argv(argv);
        Process process;
        try {
            process = new ProcessBuilder(checked).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new CommandFailedException("cannot start " + checked.get(0) + ": " + e.getMessage(), e);
        }
        // Both pipes are drained by their own threads: a child blocked on a full pipe would never exit,
        // and pool threads could all be busy draining other children.
        Drain stdout = new Drain(process.getInputStream(), checked.get(0) + " stdout");
        Drain stderr = new Drain(process.getErrorStream(), checked.get(0) + " stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(checked.get(0) + " did not finish within " + timeout);
            }
            return new CommandResult(process.exitValue(), stdout.text(), stderr.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted while waiting for " + checked.get(0), e);
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
            text = drain(in);
        }

        String text() throws InterruptedException {
            join();
            return text;
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // the pipe closes with the killed child; its exit status tells the story
        }
    }
}
