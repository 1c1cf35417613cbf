package org.vmm4j.examples;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.machine.SnapshotResult;

/**
 * {@code boot --snapshot-on TEXT --snapshot-dir DIR}: watches the console for TEXT and, once it appears, has
 * the main thread pause the machine and save it (never the vCPU thread that printed it: a pause waits for
 * that very thread).
 */
final class SnapshotPoint {
    private final ConsoleWatch console;
    private final CountDownLatch seen = new CountDownLatch(1);
    private volatile boolean saved;

    SnapshotPoint(OutputStream out, String text) {
        this.console = new ConsoleWatch(out, text);
        console.onMatch(seen::countDown);
    }

    /** The stream to give the machine as its console. */
    OutputStream console() {
        return console;
    }

    boolean saved() {
        return saved;
    }

    /**
     * Waits for the text or the machine's end, up to {@code timeout}; on the text, saves the machine in {@code
     * dir} and stops it.
     *
     * @return the machine's exit if it ended first, else empty (saved, or the timeout passed)
     */
    Optional<MachineExit> awaitAndSave(Machine machine, Path dir, Duration timeout, PrintStream err)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.await(20, TimeUnit.MILLISECONDS)) {
            Optional<MachineExit> exit = machine.awaitExit(Duration.ZERO);
            if (exit.isPresent() || System.nanoTime() > deadline) {
                return exit;
            }
        }
        machine.pause();
        SnapshotResult r = machine.snapshot(dir);
        saved = true;
        err.println(System.lineSeparator()
                + CliText.t(
                        "snapshot.saved",
                        r.directory().toString(),
                        String.valueOf(machine.uptime().toMillis()),
                        String.valueOf(r.memoryWritten() >> 10),
                        String.valueOf(r.memoryBytes() >> 20),
                        String.valueOf(r.stateBytes()),
                        String.valueOf(r.captured().toMillis())));
        machine.stop();
        return Optional.empty();
    }
}
