package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.Hypervisor;
import org.vmm4j.boot.BusyboxInitramfs;
import org.vmm4j.boot.Initramfs;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.GuestKernel;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.virtio.VirtioConsole;

/**
 * vmm4j's guest kernel with {@code console=hvc0}: Linux's {@code virtio_console} drives a {@link VirtioConsole}
 * and the kernel log goes through it, not through the serial port. On this project's nested-PVM hosts the
 * kernel is the only driver (user space cannot run), so one boot shows output; input through hvc0 needs user
 * space and is shown on hardware KVM only.
 */
@RequiresHost(kvm = true, files = RequiresHost.BUSYBOX_STATIC)
class VirtioConsoleGuestTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(4);
    private static final String RUN_INIT = "Run /init as init process";
    /** No earlyprintk: the serial port is no console at all, so all it could carry would be a mistake. */
    private static final String CMDLINE = "console=hvc0 reboot=k panic=-1 rdinit=/init";

    private static final byte[] TYPED = "typed early\n".getBytes(StandardCharsets.US_ASCII);
    private static final int NEEDS_RESET = 0x40;

    private static boolean emulated;

    @BeforeAll
    static void whatKvmDoesHere() {
        try (Hypervisor h = Hypervisor.open("kvm")) {
            emulated = h.emulatesGuestCode();
        }
    }

    /**
     * One boot: the kernel log goes to hvc0 ({@code Run /init}, then the panic when init dies, and the reset)
     * while the serial port, captured separately, gets none of it; and input typed before the driver came is
     * delivered into the receive buffers it posts (what the kernel does with it, only user space could show).
     *
     * <p>Linux 6.1 registers the hvc0 console early (hvc_console_init, a console initcall: "printk: console
     * [hvc0] enabled" and the replay of the log so far), before any backend exists, and hvc_console_print
     * drops what it is given until virtio_console's probe allocates hvc0: so hvc0's output starts at that probe,
     * not at "Linux version" (qemu's virtconsole shows the same). An {@code earlyprintk=serial,keep} on the
     * serial port covers the start.
     */
    @Test
    @Timeout(300)
    void theKernelLogGoesThroughHvc0AndNotTheSerialPort() throws Exception {
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .command("exit 1") // on hardware KVM, where init runs: PID 1 ends, the kernel panics
                .build();
        ConsoleCapture hvc = new ConsoleCapture(false);
        ConsoleCapture serial = new ConsoleCapture(false);
        // typed before the driver exists: held, then delivered into the receive buffers virtio_console posts
        VirtioConsole console = new VirtioConsole(hvc, new ByteArrayInputStream(TYPED));
        MachineExit exit;
        long written;
        try (Machine machine = Machine.builder()
                .kernel(GuestKernel.vmlinux(GuestKernelBootTest.KERNEL))
                .memoryMiB(256)
                .vcpus(1)
                .virtio(console)
                .initrd(initrd)
                .commandLine(CMDLINE)
                .console(serial)
                .build()) {
            machine.start();
            hvc.awaitWhileRunning(machine, RUN_INIT, BOOT_TIMEOUT, () -> tails(hvc, serial));
            assertTrue(console.activated(), "virtio_console set DRIVER_OK");
            assertEquals(TYPED.length, console.bytesRead(), "the driver posted receive buffers and took the input");
            assertEquals(0, console.inputHeld());
            assertEquals(0, machine.virtioDevices().get(0).status() & NEEDS_RESET, "no DEVICE_NEEDS_RESET");
            exit = machine.awaitExit(BOOT_TIMEOUT)
                    .orElseThrow(() -> new AssertionError("no machine exit within " + BOOT_TIMEOUT.toSeconds()
                            + " s after " + RUN_INIT + "\n" + tails(hvc, serial)));
            written = console.bytesWritten();
        }
        String text = hvc.text();
        String firstLine = text.substring(0, Math.max(0, text.indexOf('\n')));
        assertTrue(
                firstLine.matches("\\[ *\\d+\\.\\d{6}\\] .*"),
                "hvc0 starts with a kernel log line: \"" + firstLine + "\"\n" + tails(hvc, serial));
        long linesBeforeInit = text.substring(0, text.indexOf(RUN_INIT))
                .chars()
                .filter(c -> c == '\n')
                .count();
        assertTrue(
                linesBeforeInit >= 3,
                "hvc0 carried the log from virtio_console's probe on, before " + RUN_INIT + "\n" + tails(hvc, serial));
        assertTrue(
                text.contains("Kernel panic - not syncing: Attempted to kill init!"),
                "written until the end\n" + tails(hvc, serial));
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "\n" + tails(hvc, serial));
        assertTrue(written >= text.length(), written + " bytes written by the guest, " + text.length() + " captured");
        String serialText = serial.text();
        assertFalse(serialText.contains(firstLine), "serial: " + serialText);
        assertFalse(serialText.contains(RUN_INIT), "serial: " + serialText);
        assertFalse(serialText.contains("Kernel panic"), "serial: " + serialText);
    }

    /**
     * Input typed while the machine is paused is held by the console and saved with the snapshot; the machine
     * closed, the snapshot restored on other streams delivers it into the receive buffers the driver had posted,
     * and the kernel log goes on through the restored hvc0 to the panic when init dies.
     */
    @Test
    @Timeout(400)
    void inputHeldAtTheSnapshotIsDeliveredAfterTheRestoreAndHvc0GoesOn(@TempDir Path dir) throws Exception {
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .command("exit 1")
                .build();
        byte[] held = "held across\n".getBytes(StandardCharsets.US_ASCII);
        Path snapshot = dir.resolve("snapshot");
        ConsoleCapture before = new ConsoleCapture(false);
        PipedOutputStream typing = new PipedOutputStream();
        try (PipedInputStream input = new PipedInputStream(typing, 4096);
                Machine machine = onHvc0(initrd, before, input)) {
            VirtioConsole console =
                    (VirtioConsole) machine.virtioDevices().get(0).device();
            machine.start();
            long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
            // a whole first line before the pause: the driver writes hvc0's output in pieces, and the line
            // checked below must be complete on this side of the snapshot
            while (!console.activated() || before.text().indexOf('\n') < 0) {
                if (machine.awaitExit(Duration.ZERO).isPresent() || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("virtio_console did not come up\n" + before.tail(40));
                }
                Thread.sleep(5);
            }
            machine.pause();
            typing.write(held);
            typing.flush();
            while (console.inputHeld() < held.length) {
                assertTrue(System.nanoTime() - deadline < 0, "the console did not take the typed input");
                Thread.sleep(5);
            }
            assertEquals(0, console.bytesRead(), "nothing delivered while paused");
            machine.snapshot(snapshot);
        }

        ConsoleCapture after = new ConsoleCapture(false);
        VirtioConsole restored;
        MachineExit exit;
        try (Machine machine = Machine.restoring(snapshot).console(after).build()) {
            restored = (VirtioConsole) machine.virtioDevices().get(0).device();
            assertEquals(held.length, restored.inputHeld(), "the input held at the snapshot came along");
            machine.start();
            after.awaitWhileRunning(machine, "Kernel panic - not syncing: Attempted to kill init!", BOOT_TIMEOUT);
            exit = machine.awaitExit(BOOT_TIMEOUT).orElseThrow(() -> new AssertionError(after.tail(40)));
        }
        assertEquals(held.length, restored.bytesRead(), "the driver took the held input after the restore");
        assertEquals(0, restored.inputHeld());
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
        String first = before.text().substring(0, Math.max(0, before.text().indexOf('\n')));
        assertTrue(first.matches("\\[ *\\d+\\.\\d{6}\\] .*"), "hvc0's first line: " + first);
        assertFalse(
                after.text().contains(first), "the restored guest went on, it did not boot again\n" + after.tail(40));
        assertTrue(restored.bytesWritten() >= after.text().length(), "hvc0's output came through the restored device");
    }

    /**
     * On hardware KVM: busybox reads a line typed on hvc0 (the machine's console input, which {@link
     * Machine.Builder#virtioConsole()} gives the virtio console) and echoes it back.
     */
    @Test
    @Timeout(300)
    void busyboxReadsALineTypedOnHvc0() throws Exception {
        assumeFalse(
                emulated,
                "KVM emulates guest code here (nested PVM): user space cannot run (init's first system call faults"
                        + " at entry_SYSCALL_64); this test needs hardware KVM");
        byte[] initrd = BusyboxInitramfs.builder()
                .compression(Initramfs.Compression.NONE)
                .marker("VMM4J-HVC0-READY")
                .command("read line < /dev/hvc0; echo \"hvc0 read: $line\" > /dev/hvc0")
                .build();
        ConsoleCapture output = new ConsoleCapture(false);
        PipedOutputStream typing = new PipedOutputStream();
        MachineExit exit;
        try (PipedInputStream input = new PipedInputStream(typing, 4096);
                Machine machine = onHvc0(initrd, output, input)) {
            machine.start();
            output.awaitWhileRunning(machine, "VMM4J-HVC0-READY", BOOT_TIMEOUT);
            typing.write("typed on the host\n".getBytes(StandardCharsets.US_ASCII));
            typing.flush();
            output.awaitWhileRunning(machine, "hvc0 read: typed on the host", BOOT_TIMEOUT);
            exit = machine.awaitExit(BOOT_TIMEOUT).orElseThrow(() -> new AssertionError("no exit\n" + output.text()));
        }
        assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail());
    }

    /** vmm4j's guest kernel with {@code initrd} and its console on hvc0: output to {@code output}, input from {@code input}. */
    private static Machine onHvc0(byte[] initrd, ConsoleCapture output, PipedInputStream input) {
        return Machine.builder()
                .kernel(GuestKernel.vmlinux(GuestKernelBootTest.KERNEL))
                .memoryMiB(256)
                .vcpus(1)
                .initrd(initrd)
                .commandLine(CMDLINE)
                .console(output)
                .consoleInput(input)
                .virtioConsole()
                .build();
    }

    private static String tails(ConsoleCapture hvc, ConsoleCapture serial) {
        StringBuilder consoles = new StringBuilder();
        for (String line : hvc.text().split("\n")) {
            if (line.contains("console") || line.contains("hvc") || line.contains("virtio")) {
                consoles.append(line).append('\n');
            }
        }
        String text = hvc.text();
        String head = text.substring(0, Math.min(text.length(), 600));
        return "hvc0's lines about consoles:\n" + consoles + "hvc0's start:\n" + head + "\nhvc0 " + hvc.tail(30)
                + "\nserial " + serial.tail(30);
    }
}
