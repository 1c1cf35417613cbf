package org.vmm4j.internal.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmm4j.testsupport.CompilerValues;
import org.vmm4j.testsupport.RequiresHost;

/**
 * {@link Libc}'s two ways into the kernel — {@code syscall(2)} (x86-64 Linux, the default there) and
 * the C library's wrappers (the BSDs, or {@code -Dvmm4j.libc.kernelCalls=functions}) — do the same
 * real things, and the syscall numbers are the C compiler's.
 */
class KernelCallsTest {
    private static final int SIG_BLOCK = 0;
    private static final int SIG_SETMASK = 2;
    private static final int EFD_NONBLOCK = 0x800;

    @TempDir
    Path dir;

    /** Every seam implementation (FFM where the JDK has it, and JNA) with either way into the kernel. */
    static Stream<Arguments> modes() {
        List<NativeAccess> accesses = List.of(NativeAccess.get(), new JnaAccess());
        return accesses.stream()
                .distinct()
                .flatMap(access -> Stream.of(true, false)
                        .filter(viaSyscall -> !viaSyscall || LinuxSyscall.applies())
                        .map(viaSyscall ->
                                Arguments.of(access.implementation(), new Libc(access, viaSyscall), viaSyscall)));
    }

    @Test
    void x8664LinuxUsesSyscallByDefault() {
        assumeTrue(LinuxSyscall.applies(), "not x86-64 Linux");
        boolean functionsForced = "functions".equals(System.getProperty(Libc.KERNEL_CALLS_PROPERTY));
        assertEquals(!functionsForced, Libc.get().viaSyscall());
    }

    @ParameterizedTest(name = "{0}, viaSyscall={2}")
    @MethodSource("modes")
    void filesDescriptorsAndMappings(String implementation, Libc libc, boolean viaSyscall) throws Exception {
        assertEquals(viaSyscall, libc.viaSyscall());
        assertEquals(-Errno.ENOENT, libc.open(dir.resolve("missing").toString(), Libc.O_RDONLY, 0));
        String file = dir.resolve("data").toString();
        int fd = libc.open(file, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, 0640);
        assertTrue(fd >= 0, "open: " + fd);
        try (NativeMemory buffer = libc.access().allocate(32)) {
            buffer.putLong(0, 0x0102030405060708L);
            assertEquals(8, libc.write(fd, buffer, 0, 8));
            buffer.putLong(8, -5L);
            assertEquals(8, libc.pwrite(fd, buffer, 8, 8, 64));
            buffer.clear();
            assertEquals(8, libc.pread(fd, buffer, 16, 8, 64));
            assertEquals(-5L, buffer.getLong(16));
            buffer.putLong(0, -1L);
            assertEquals(8, libc.read(fd, buffer, 0, 8)); // the file position is 8, where the hole before 64 starts
            assertEquals(0L, buffer.getLong(0));
            assertEquals(-Errno.ENOTTY, (int) libc.ioctl(fd, 0x5401 /* TCGETS */, buffer));
        } finally {
            assertEquals(0, libc.close(fd));
        }
        assertEquals(-Errno.EBADF, libc.close(fd));
        assertEquals(72, Files.size(Path.of(file)));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(Path.of(file)));

        long address =
                libc.mmap(0, 8192, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        assertTrue(address > 0 && (address & 4095) == 0, "mmap: " + address);
        try (NativeMemory view = libc.access().view(address, 8192)) {
            view.putInt(8188, 77);
            assertEquals(77, view.getInt(8188));
        }
        assertEquals(0, libc.madvise(address, 8192, 4 /* MADV_DONTNEED: anonymous pages read back as zero */));
        try (NativeMemory view = libc.access().view(address, 8192)) {
            assertEquals(0, view.getInt(8188));
        }
        assertEquals(0, libc.munmap(address, 8192));
        assertEquals(-Errno.EINVAL, libc.munmap(address + 1, 8192));
    }

    @ParameterizedTest(name = "{0}, viaSyscall={2}")
    @MethodSource("modes")
    void eventfdWakesPoll(String implementation, Libc libc, boolean viaSyscall) {
        int efd = libc.eventfd(0, EFD_NONBLOCK);
        assertTrue(efd >= 0, "eventfd: " + efd);
        try (NativeMemory pollfd = libc.access().allocate(Libc.POLLFD_SIZE);
                NativeMemory value = libc.access().allocate(8)) {
            pollfd.putInt(0, efd);
            pollfd.putShort(4, Libc.POLLIN);
            assertEquals(0, libc.poll(pollfd, 1, 0));
            assertEquals(-Errno.EAGAIN, (int) libc.read(efd, value, 0, 8));
            value.putLong(0, 3);
            assertEquals(8, libc.write(efd, value, 0, 8));
            assertEquals(1, libc.poll(pollfd, 1, 1000));
            assertEquals(Libc.POLLIN, pollfd.getShort(6));
            assertEquals(8, libc.read(efd, value, 0, 8));
            assertEquals(3, value.getLong(0));
        } finally {
            assertEquals(0, libc.close(efd));
        }
    }

    @ParameterizedTest(name = "{0}, viaSyscall={2}")
    @MethodSource("modes")
    void epollReportsTheSignalledEventfdWithItsToken(String implementation, Libc libc, boolean viaSyscall) {
        int epfd = libc.epollCreate1(Libc.EPOLL_CLOEXEC);
        assertTrue(epfd >= 0, "epoll_create1: " + epfd);
        int efd = libc.eventfd(0, EFD_NONBLOCK);
        assertTrue(efd >= 0, "eventfd: " + efd);
        try (NativeMemory event = libc.access().allocate(Libc.EPOLL_EVENT_SIZE);
                NativeMemory events = libc.access().allocate(4L * Libc.EPOLL_EVENT_SIZE);
                NativeMemory value = libc.access().allocate(8)) {
            event.putInt(0, Libc.EPOLLIN);
            event.putLong(Libc.EPOLL_EVENT_DATA, 0x1234_5678_9abcL);
            assertEquals(0, libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, efd, event));
            assertEquals(-Errno.EEXIST, libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, efd, event));
            assertEquals(0, libc.epollWait(epfd, events, 4, 0));
            value.putLong(0, 1);
            assertEquals(8, libc.write(efd, value, 0, 8));
            assertEquals(1, libc.epollWait(epfd, events, 4, 1000));
            assertEquals(Libc.EPOLLIN, events.getInt(0));
            assertEquals(0x1234_5678_9abcL, events.getLong(Libc.EPOLL_EVENT_DATA), "the token came back");
            assertEquals(0, libc.epollCtl(epfd, Libc.EPOLL_CTL_DEL, efd, event));
            assertEquals(0, libc.epollWait(epfd, events, 4, 0), "removed: no longer reported");
        } finally {
            assertEquals(0, libc.close(efd));
            assertEquals(0, libc.close(epfd));
        }
    }

    @ParameterizedTest(name = "{0}, viaSyscall={2}")
    @MethodSource("modes")
    void fdatasyncAndFallocatePunchAndZeroRanges(String implementation, Libc libc, boolean viaSyscall)
            throws Exception {
        assumeTrue(Os.current() == Os.LINUX, "fallocate is Linux's");
        Path file = dir.resolve("ranges");
        byte[] ones = new byte[3 * 4096];
        java.util.Arrays.fill(ones, (byte) 1);
        Files.write(file, ones);
        int fd = libc.open(file.toString(), Libc.O_RDWR, 0);
        assertTrue(fd >= 0, "open: " + fd);
        int zero;
        try {
            assertEquals(0, libc.fdatasync(fd));
            assertEquals(0, libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 4096, 4096));
            zero = libc.fallocate(fd, Libc.FALLOC_FL_ZERO_RANGE | Libc.FALLOC_FL_KEEP_SIZE, 8192, 512);
            assertTrue(zero == 0 || zero == -95, "ZERO_RANGE: done, or EOPNOTSUPP (tmpfs): " + zero);
            assertEquals(
                    -95 /* EOPNOTSUPP */,
                    libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE, 0, 4096),
                    "PUNCH_HOLE needs KEEP_SIZE");
        } finally {
            assertEquals(0, libc.close(fd));
        }
        assertEquals(-Errno.EBADF, libc.fdatasync(fd));
        assertEquals(-Errno.EBADF, libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, 0, 1));
        byte[] now = Files.readAllBytes(file);
        assertEquals(3 * 4096, now.length, "KEEP_SIZE kept the size");
        for (int i = 0; i < now.length; i++) {
            boolean zeroed = (i >= 4096 && i < 8192) || (zero == 0 && i >= 8192 && i < 8192 + 512);
            if (now[i] != (zeroed ? 0 : 1)) {
                throw new AssertionError("byte " + i + " is " + now[i]);
            }
        }
    }

    /** {@code <linux/fs.h>} and {@code <linux/falloc.h>} come with {@code <linux/kvm.h>} (linux-libc-dev). */
    @Test
    @RequiresHost(
            tools = "gcc",
            files = {RequiresHost.LIBC_HEADERS, RequiresHost.KVM_HEADER})
    void fileConstantsAreTheCompilers() throws Exception {
        assumeTrue(LinuxSyscall.applies(), "not x86-64 Linux");
        Map<String, Long> ours = new LinkedHashMap<>();
        ours.put("O_DIRECT", (long) Libc.O_DIRECT);
        ours.put("FALLOC_FL_KEEP_SIZE", (long) Libc.FALLOC_FL_KEEP_SIZE);
        ours.put("FALLOC_FL_PUNCH_HOLE", (long) Libc.FALLOC_FL_PUNCH_HOLE);
        ours.put("FALLOC_FL_ZERO_RANGE", (long) Libc.FALLOC_FL_ZERO_RANGE);
        ours.put("BLKGETSIZE64", Libc.BLKGETSIZE64);
        CompilerValues.assertSameAsCompiler(
                dir, "#define _GNU_SOURCE\n#include <fcntl.h>\n#include <linux/falloc.h>\n#include <linux/fs.h>", ours);
    }

    /** The kick machinery of a vCPU: block a signal, send it to this very thread, take it back. */
    @ParameterizedTest(name = "{0}, viaSyscall={2}")
    @MethodSource("modes")
    void signalSentToOneThreadIsTakenBackWhileBlocked(String implementation, Libc libc, boolean viaSyscall)
            throws Exception {
        int signal = 38;
        AtomicReference<String> outcome = new AtomicReference<>("not run");
        Thread thread = new Thread(() -> {
            try (NativeMemory set = libc.access().allocate(Libc.SIGSET_BYTES);
                    NativeMemory old = libc.access().allocate(Libc.SIGSET_BYTES);
                    NativeMemory now = libc.access().allocate(Libc.SIGSET_BYTES);
                    NativeMemory noWait = libc.access().allocate(16)) {
                set.putLong(0, 1L << (signal - 1));
                int r = libc.pthreadSigmask(SIG_BLOCK, set.address(), old.address());
                try {
                    int tid = libc.gettid();
                    int pid = libc.getpid();
                    int sent = libc.tgkill(pid, tid, signal);
                    int first = libc.sigtimedwait(set.address(), 0, noWait.address());
                    int second = libc.sigtimedwait(set.address(), 0, noWait.address());
                    libc.pthreadSigmask(SIG_BLOCK, 0, now.address());
                    outcome.set(r + " " + (pid == ProcessHandle.current().pid()) + " " + (tid > 0 && tid != pid) + " "
                            + sent + " " + first + " " + second + " " + ((now.getLong(0) >>> (signal - 1)) & 1));
                } finally {
                    libc.pthreadSigmask(SIG_SETMASK, old.address(), 0);
                }
            }
        });
        thread.start();
        thread.join(10_000);
        // mask set, right pid, a thread id of its own, sent, taken once, then nothing pending, still blocked
        assertEquals("0 true true 0 " + signal + " " + -Errno.EAGAIN + " 1", outcome.get());
        assertEquals(-Errno.ESRCH, libc.tgkill(libc.getpid(), Integer.MAX_VALUE, 0));
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void syscallNumbersAreTheCompilers() throws Exception {
        assumeTrue(LinuxSyscall.applies(), "not x86-64 Linux");
        Map<String, Long> ours = new LinkedHashMap<>();
        for (Field f : LinuxSyscall.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                f.setAccessible(true);
                String name = switch (f.getName()) {
                    case "AT_FDCWD" -> "AT_FDCWD";
                    case "KERNEL_SIGSET_BYTES" -> "(_NSIG / 8)"; // glibc's _NSIG is the kernel's 64 + 1
                    default -> "SYS_" + f.getName().toLowerCase(java.util.Locale.ROOT);
                };
                ours.put(name, (long) f.getInt(null));
            }
        }
        assertTrue(ours.size() >= 19, ours.toString());
        StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n#include <fcntl.h>\n")
                .append("#include <signal.h>\n#include <sys/syscall.h>\nint main(void) {\n");
        for (String expr : ours.keySet()) {
            c.append("  printf(\"%ld\\n\", (long) (").append(expr).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("sys.c");
        Path exe = dir.resolve("sys");
        Files.writeString(src, c);
        Process cc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true)
                .start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), ccOut);
        Process run = new ProcessBuilder(exe.toString()).start();
        String[] lines = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .trim()
                .split("\n");
        assertTrue(run.waitFor(10, TimeUnit.SECONDS));
        int i = 0;
        for (Map.Entry<String, Long> e : ours.entrySet()) {
            assertEquals(Long.parseLong(lines[i++].trim()), e.getValue(), e.getKey());
        }
    }
}
