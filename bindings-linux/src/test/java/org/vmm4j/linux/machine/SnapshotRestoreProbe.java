package org.vmm4j.linux.machine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;

/**
 * Restores a snapshot in a process of its own for {@link GuestKernelSnapshotTest}: the guest's console goes
 * to standard output, and standard error gets {@code restore-to-running=<ns>} and {@code exit=<reason>}.
 * Arguments: the snapshot directory, the timeout in seconds.
 */
public final class SnapshotRestoreProbe {
    private SnapshotRestoreProbe() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        MachineExit exit;
        long restoreNanos;
        try (Machine m = Machine.restoring(Path.of(args[0])).console(out).build()) {
            m.start();
            exit = m.awaitExit(Duration.ofSeconds(Long.parseLong(args[1]))).orElse(null);
            restoreNanos = m.restoreToRunning().map(Duration::toNanos).orElse(-1L);
        }
        out.flush();
        System.err.println("restore-to-running=" + restoreNanos);
        System.err.println("exit=" + (exit == null ? "TIMEOUT" : exit.reason() + " " + exit.detail()));
        System.exit(exit != null && exit.reason() == MachineExit.Reason.REBOOT ? 0 : 1);
    }
}
