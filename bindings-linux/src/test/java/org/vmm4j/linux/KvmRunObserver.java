package org.vmm4j.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import org.vmm4j.linux.abi.KvmHeader;
import org.vmm4j.testsupport.Await;

/**
 * Waits until a vCPU thread is inside KVM_RUN, read from /proc instead of guessed with a sleep. Either
 * it is blocked in the KVM_RUN ioctl ({@code /proc/.../syscall} names the call and its request: a
 * halted vCPU with the in-kernel irqchip), or it runs guest code, which /proc shows as a running thread
 * with guest time (field 43 of {@code /proc/.../stat}) or, where guest code is emulated (nested PVM),
 * as system time that keeps growing while its user time stands still: a thread whose only system call
 * is KVM_RUN that stays in the kernel for several clock ticks is inside it.
 */
public final class KvmRunObserver {
    private static final String IOCTL = "16"; // x86-64
    private static final Path TASKS = Path.of("/proc/self/task");
    /** Clock ticks (10 ms each) of uninterrupted system time that count as being inside KVM_RUN. */
    private static final long KERNEL_TICKS = 3;

    private KvmRunObserver() {}

    /** The calling thread's kernel thread id. */
    public static long currentTid() throws IOException {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self"))
                .getFileName()
                .toString());
    }

    /** The kernel thread id of this process's thread named {@code name} (the JVM names native threads like Java ones). */
    public static OptionalLong tidOf(String name) throws IOException {
        String comm = name.length() > 15 ? name.substring(0, 15) : name;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.UTF_8)
                            .strip()
                            .equals(comm)) {
                        return OptionalLong.of(Long.parseLong(task.getFileName().toString()));
                    }
                } catch (NoSuchFileException ended) {
                    // the thread ended while the tasks were listed
                }
            }
        }
        return OptionalLong.empty();
    }

    /** Returns once this process's thread named {@code name} (a Machine's "vmm4j-vcpu-N") exists and is inside KVM_RUN. */
    public static void awaitInsideKvmRun(String name, Duration timeout) throws IOException {
        long tid = Await.value("a thread named " + name, timeout, () -> {
            OptionalLong found = tidOf(name);
            return found.isPresent() ? Optional.of(found.getAsLong()) : Optional.empty();
        });
        awaitInsideKvmRun(tid, timeout);
    }

    /** Returns once thread {@code tid} of this process, whose only system call is KVM_RUN, is inside it. */
    public static void awaitInsideKvmRun(long tid, Duration timeout) throws IOException {
        Path task = TASKS.resolve(Long.toString(tid));
        long[][] firstRunning = new long[1][];
        try {
            Await.until("thread " + tid + " inside KVM_RUN", timeout, () -> {
                String[] call = syscall(task);
                if (call.length > 2
                        && call[0].equals(IOCTL)
                        && Long.parseUnsignedLong(call[2].substring(2), 16) == KvmHeader.KVM_RUN) {
                    return true;
                }
                if (!call[0].equals("running")) {
                    firstRunning[0] = null;
                    return false;
                }
                long[] times = times(task);
                if (times[2] > 0) {
                    return true;
                }
                if (firstRunning[0] == null || times[0] != firstRunning[0][0]) {
                    firstRunning[0] = times; // (again) in user space: start counting system time from here
                    return false;
                }
                return times[1] - firstRunning[0][1] >= KERNEL_TICKS;
            });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; /proc shows syscall " + String.join(" ", syscall(task))
                            + ", utime/stime/guest_time " + Arrays.toString(times(task)),
                    e);
        }
    }

    private static String[] syscall(Path task) throws IOException {
        return Files.readString(task.resolve("syscall"), StandardCharsets.US_ASCII)
                .strip()
                .split(" ");
    }

    /** utime, stime and guest_time of the task, in clock ticks (fields 14, 15 and 43 of its stat). */
    private static long[] times(Path task) throws IOException {
        String stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // field 3 onwards
        return new long[] {
            Long.parseLong(fields[14 - 3]), Long.parseLong(fields[15 - 3]), Long.parseLong(fields[43 - 3])
        };
    }
}
