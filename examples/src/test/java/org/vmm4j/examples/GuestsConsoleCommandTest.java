package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.guest.BootSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.guest.GuestState;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;

/**
 * {@code vmm4j guests console} with piped input against a real libvirtd: vmm4j's guest kernel with a
 * busybox shell on ttyS0 (TCG where KVM cannot run it). One session waits for init's marker, a second
 * one types a command and ends when its answer appears.
 */
@RequiresHost(
        libvirtd = true,
        tools = "qemu-system-x86_64",
        files = {RequiresHost.BUSYBOX_STATIC})
class GuestsConsoleCommandTest {
    private static final String URI = "qemu:///system";
    private static final String NAME = "cli" + ProcessHandle.current().pid();
    private static final Path WORK = Path.of("/var/lib/libvirt/images", NAME);
    private static final String MARKER = "VMM4J-CLI-CONSOLE-READY";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int console(InputStream stdin, String... args) throws Exception {
        out.reset();
        err.reset();
        String[] all = new String[args.length + 4];
        all[0] = "--uri";
        all[1] = URI;
        all[2] = "console";
        all[3] = NAME;
        System.arraycopy(args, 0, all, 4, args.length);
        return new GuestsCommand(GuestManager::connect, stdin)
                .run(
                        all,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(600)
    void pipedCommandRunsInTheGuestAndTheSessionEndsAtTheAwaitedAnswer() throws Exception {
        Files.createDirectories(WORK);
        Path kernel = Files.copy(GuestKernel.bzImage(), WORK.resolve("bzImage"));
        Path initrd = Files.write(
                WORK.resolve("initrd.cpio"),
                BusyboxInitramfs.builder()
                        .marker(MARKER)
                        .finalAction(BusyboxInitramfs.FinalAction.SHELL)
                        .build());
        GuestSpec spec = GuestSpec.builder(NAME)
                .memoryMiB(128)
                .serialConsole(true)
                .boot(BootSpec.kernel(kernel.toString(), initrd.toString(), "console=ttyS0 panic=-1"))
                .build();
        try (GuestManager manager = GuestManager.connect(URI);
                Guest guest = manager.define(spec)) {
            try {
                guest.start();
                assertEquals(0, console(InputStream.nullInputStream(), "--wait-for", MARKER), err());
                assertTrue(out().contains(MARKER), out());
                assertTrue(err().contains("standard input is not a terminal"), err());

                byte[] typed = "echo vmm4j-$((6*7))\n".getBytes(StandardCharsets.US_ASCII);
                assertEquals(0, console(new ByteArrayInputStream(typed), "--wait-for", "vmm4j-42"), err());
                String shown = out();
                assertTrue(shown.contains("vmm4j-42"), shown);
                assertTrue(err().contains("'vmm4j-42' appeared"), err());
                assertFalse(shown.contains(MARKER), "the second session saw only what came after it opened: " + shown);
            } finally {
                if (guest.state() != GuestState.STOPPED) {
                    guest.destroy();
                }
                guest.undefine();
                deleteWork();
            }
        }
    }

    private static void deleteWork() throws IOException {
        try (Stream<Path> files = Files.walk(WORK)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
