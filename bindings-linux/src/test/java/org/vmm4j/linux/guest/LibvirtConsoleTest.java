package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmm4j.VmmException;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.GuestConsole;
import org.vmm4j.guest.GuestFilter;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.linux.internal.LibvirtConsole;
import org.vmm4j.linux.internal.LibvirtEventLoop;
import org.vmm4j.testsupport.Await;
import org.vmm4j.testsupport.ConsoleTranscript;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;

/**
 * A guest's serial console through {@link LibvirtGuest#openConsole(boolean)} against a real libvirtd
 * ({@code qemu:///system}): vmm4j's guest kernel booted directly (TCG where KVM cannot run it) with a
 * busybox initramfs whose init prints a marker and then runs a shell on ttyS0. The daemons are started by
 * {@code .ci/test}, not by the test.
 */
@RequiresHost(
        libvirtd = true,
        tools = "qemu-system-x86_64",
        files = {RequiresHost.BUSYBOX_STATIC})
class LibvirtConsoleTest {
    private static final String PREFIX = "con" + ProcessHandle.current().pid();
    private static final Path WORK = Path.of("/var/lib/libvirt/images", PREFIX);
    private static final String MARKER = "VMM4J-CONSOLE-READY";
    private static final int CYCLES = 200;
    private static LibvirtGuestManager libvirt;

    @BeforeAll
    static void connect() {
        libvirt = LibvirtGuestManager.connect("qemu:///system");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (libvirt != null) {
            for (LibvirtGuest g : libvirt.guests(GuestFilter.ALL)) {
                try (g) {
                    if (g.name().startsWith(PREFIX)) {
                        if (g.state() != GuestState.STOPPED) {
                            g.destroy();
                        }
                        g.undefine();
                    }
                }
            }
            libvirt.close();
        }
        if (Files.exists(WORK)) {
            try (Stream<Path> files = Files.walk(WORK)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The guest kernel and initramfs where QEMU (running as libvirt's user) may read them. */
    private static BootSpec shellOnTtyS0() throws IOException {
        Files.createDirectories(WORK);
        Path kernel = WORK.resolve("bzImage");
        Path initrd = WORK.resolve("initrd.cpio");
        if (!Files.exists(kernel)) {
            Files.copy(GuestKernel.bzImage(), kernel, StandardCopyOption.REPLACE_EXISTING);
            Files.write(
                    initrd,
                    BusyboxInitramfs.builder()
                            .marker(MARKER)
                            .finalAction(BusyboxInitramfs.FinalAction.SHELL)
                            .build());
        }
        return BootSpec.kernel(kernel.toString(), initrd.toString(), "console=ttyS0 panic=-1");
    }

    @Test
    @Timeout(600)
    void readsInitsMarkerRunsATypedCommandHandsOverOnForceAndReleasesEverything() throws Exception {
        GuestSpec spec = GuestSpec.builder(PREFIX + "g")
                .memoryMiB(128)
                .serialConsole(true)
                .boot(shellOnTtyS0())
                .build();
        try (LibvirtGuest guest = libvirt.define(spec)) {
            try {
                boolean loopBefore = LibvirtEventLoop.isRunning();
                int fdsBefore = fds();
                long started = System.nanoTime();
                guest.start();
                ConsoleTranscript first;
                try (GuestConsole console = guest.openConsole(false)) {
                    first = new ConsoleTranscript(console.output(), "first");
                    first.await(MARKER, Duration.ofMinutes(4));
                    long marker = System.nanoTime();
                    console.input().write("echo vmm4j-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
                    first.await("vmm4j-42", Duration.ofMinutes(1));
                    System.out.printf(
                            "[vmm4j] console of %s (%s): init's marker %d ms after start, the typed command's"
                                    + " answer %d ms after typing; %d bytes read%n",
                            spec.name(),
                            guest.xml().substring(0, guest.xml().indexOf('>') + 1),
                            (marker - started) / 1_000_000,
                            (System.nanoTime() - marker) / 1_000_000,
                            first.text().length());

                    // The console is held: a second session without force is refused with libvirt's reason.
                    VmmException refused = assertThrows(VmmException.class, () -> guest.openConsole(false));
                    assertTrue(refused.getMessage().contains("virDomainOpenConsole"), refused.getMessage());

                    // With force the second session takes over and the first one's output ends.
                    GuestConsole second = guest.openConsole(true);
                    try {
                        ConsoleTranscript taken = new ConsoleTranscript(second.output(), "second");
                        first.awaitEnd(Duration.ofSeconds(30));
                        assertFalse(console.isOpen());
                        assertThrows(IOException.class, () -> console.input().write('x'));
                        second.input().write("echo taken-$((1+1))\n".getBytes(StandardCharsets.US_ASCII));
                        taken.await("taken-2", Duration.ofMinutes(1));
                        assertTrue(second.isOpen());
                        second.close();
                        // closing ends a read blocked on the console
                        taken.awaitEnd(Duration.ofSeconds(10));
                        taken.join();
                    } finally {
                        second.close();
                    }
                }
                first.join();
                assertEquals(0, LibvirtConsole.openCount(), "consoles still registered");
                assertEquals(loopBefore, LibvirtEventLoop.isRunning(), "the event loop outlived its consoles");
                Await.until("descriptors back to " + fdsBefore, Duration.ofSeconds(10), () -> fds() <= fdsBefore);

                // Many sessions in a row leave nothing behind: descriptors, threads, registered consoles.
                int threadsBefore = Thread.activeCount();
                long cycles = System.nanoTime();
                for (int i = 0; i < CYCLES; i++) {
                    try (GuestConsole again = guest.openConsole(false)) {
                        assertTrue(again.isOpen());
                    }
                }
                System.out.printf(
                        "[vmm4j] %d console open/close cycles: %d us each%n",
                        CYCLES, (System.nanoTime() - cycles) / 1_000 / CYCLES);
                assertEquals(0, LibvirtConsole.openCount(), "consoles still registered");
                assertEquals(loopBefore, LibvirtEventLoop.isRunning(), "the event loop outlived its consoles");
                Await.until("descriptors back to " + fdsBefore, Duration.ofSeconds(10), () -> fds() <= fdsBefore);
                assertTrue(Thread.activeCount() <= threadsBefore, threadsBefore + " -> " + Thread.activeCount());
                guest.destroy();
            } finally {
                if (guest.state() != GuestState.STOPPED) {
                    guest.destroy();
                }
                guest.undefine();
            }
        }
    }

    @Test
    void aGuestWithoutASerialConsoleIsRefusedWithTheReason() throws IOException {
        GuestSpec spec = GuestSpec.builder(PREFIX + "n")
                .memoryMiB(64)
                .serialConsole(false)
                .boot(shellOnTtyS0())
                .build();
        try (LibvirtGuest guest = libvirt.define(spec)) {
            try {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> guest.openConsole(false));
                assertTrue(e.getMessage().contains("has no serial console"), e.getMessage());
                assertEquals(0, LibvirtConsole.openCount());
            } finally {
                guest.undefine();
            }
        }
    }

    @Test
    void aStoppedGuestsConsoleIsRefusedAndAClosedHandleFails() throws IOException {
        GuestSpec spec = GuestSpec.builder(PREFIX + "s")
                .memoryMiB(64)
                .serialConsole(true)
                .boot(shellOnTtyS0())
                .build();
        LibvirtGuest guest = libvirt.define(spec);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> guest.openConsole(true));
            assertTrue(e.getMessage().contains("is stopped"), e.getMessage());
        } finally {
            guest.undefine();
            guest.close();
        }
        assertThrows(IllegalStateException.class, () -> guest.openConsole(false));
    }

    private static int fds() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            return (int) entries.count();
        }
    }
}
