package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.linux.host.LinuxProbe;
import org.vmm4j.linux.host.LiveLinuxHostFacts;
import org.vmm4j.testsupport.RequiresHost;

class CliTest {
    private static final InputStream STDIN = System.in;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /**
     * {@code boot} and {@code restore} pass {@code System.in} to the guest's console: here it would be the test JVM's
     * stdin, which carries Surefire's commands (its reader then misses the exit acknowledgement and the fork waits
     * 60 s to be killed). The commands read an empty input instead.
     */
    @BeforeEach
    void emptyStdin() {
        System.setIn(new ByteArrayInputStream(new byte[0]));
    }

    @AfterEach
    void realStdin() {
        System.setIn(STDIN);
    }

    private int run(String... args) {
        return Cli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void infoJsonReportsKvmAsTheHostHasIt() {
        assertEquals(0, run("info", "--json"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"os\":\"Linux\""), json);
        boolean hasKvm = Files.exists(Path.of("/dev/kvm"));
        assertTrue(json.contains("{\"kind\":\"kvm\",\"available\":\"" + (hasKvm ? "yes" : "no") + "\""), json);
        assertTrue(json.contains("\"kind\":\"libvirt\""), json);
        boolean jna = Runtime.version().feature() < 22 || "jna".equals(System.getProperty("vmm4j.native"));
        assertTrue(json.contains("\"nativeAccess\":\"" + (jna ? "jna" : "ffm") + "\""), json);
    }

    @Test
    void infoTableListsEachKind() {
        assertEquals(0, run("info"));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("\nkvm "), table);
        assertTrue(table.contains("\nqemu "), table);
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void infoSaysWhichAcceleratorTheTestDriverUses() {
        assertEquals(0, run("info", "--uri", "test:///default"));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(
                table.contains("managed guests (libvirt test:///default): test — libvirt's test driver runs no guest"
                        + " code"),
                table);
        out.reset();
        assertEquals(0, run("info", "--json", "--uri", "test:///default"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(
                json.trim()
                        .endsWith(",\"managedGuests\":{\"manager\":\"libvirt\",\"uri\":\"test:///default\","
                                + "\"accelerator\":\"auto\",\"type\":\"test\",\"reason\":\"libvirt's test driver runs no guest"
                                + " code; every guest is of type test\"}}"),
                json);
    }

    @Test
    @RequiresHost(libvirtd = true)
    void infoSaysTcgWhereKvmEmulatesGuestCode() {
        assertEquals(0, run("info", "--uri", "qemu:///system"));
        String table = out.toString(StandardCharsets.UTF_8);
        // what this host's KVM can do decides the expected line; the kvm section of the same output says it
        boolean emulated = LinuxProbe.guestCodeEmulated(new LiveLinuxHostFacts());
        if (emulated) {
            assertTrue(table.contains("guestCode        emulated (kvm_pvm)"), table);
            assertTrue(
                    table.contains("managed guests (libvirt qemu:///system): tcg (qemu) — KVM here emulates guest"
                            + " code (kvm_pvm); a full OS cannot run on it"),
                    table);
        } else {
            assertTrue(table.contains("managed guests (libvirt qemu:///system): "), table);
            assertFalse(table.contains("kvm_pvm); a full OS cannot run"), table);
        }
        out.reset();
        assertEquals(0, run("info", "--json", "--uri", "qemu:///system"));
        String json = out.toString(StandardCharsets.UTF_8);
        assertTrue(json.contains("\"managedGuests\":{\"manager\":\"libvirt\",\"uri\":\"qemu:///system\","), json);
        if (emulated) {
            assertTrue(json.contains("\"accelerator\":\"tcg\",\"type\":\"qemu\""), json);
        }
    }

    @Test
    void infoWithAnUnreachableManagerSaysWhy() {
        assertEquals(0, run("info", "--uri", "qemu+unix:///system?socket=/nonexistent/vmm4j.sock"));
        String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("unknown accelerator, no guest manager answered: "), table);
    }

    @Test
    @RequiresHost(kvm = true)
    void helloPrintsTheGuestsSumAndExitSequence() {
        assertEquals(0, run("hello"), err.toString(StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("guest printed: 5\\n"), text);
        assertTrue(text.contains("MMIO_READ[0x8000, 1 bytes]"), text);
        assertTrue(text.contains("AL after the MMIO read: 43"), text);
        assertTrue(text.trim().contains("HLT[KVM_EXIT_HLT]"), text);
    }

    @Test
    void bootTakesRngAsAFlagNotAValue() {
        assertEquals(2, run("boot", "--rng", "--kernel", "/nonexistent"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("cannot read kernel /nonexistent"), text);
        assertFalse(text.contains("unknown option"), text);
    }

    @Test
    void bootNamesABadNetMacBeforeReadingTheKernel() {
        assertEquals(2, run("boot", "--net", "tap=vmm4j0,mac=52:54:00:zz:34:56", "--kernel", "/nonexistent"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("MAC address \"52:54:00:zz:34:56\""), text);
        assertFalse(text.contains("cannot read kernel"), text);
    }

    @Test
    void bootTakesTheConsoleAsTtyS0OrHvc0() {
        assertEquals(2, run("boot", "--console", "hvc1", "--kernel", "/nonexistent"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("--console must be ttyS0 or hvc0, not hvc1"), text);
        err.reset();
        assertEquals(2, run("boot", "--console", "hvc0", "--kernel", "/nonexistent"));
        text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("cannot read kernel /nonexistent"), text);
        assertEquals(
                "console=ttyS0 earlyprintk=serial console=hvc0",
                BootCommand.withConsole("console=ttyS0 earlyprintk=serial", true),
                "hvc0 last: the kernel's /dev/console");
        assertEquals("console=hvc0 quiet", BootCommand.withConsole("console=hvc0 quiet", true), "not twice");
        assertEquals("quiet", BootCommand.withConsole("quiet", false), "ttyS0 leaves --append alone");
    }

    @Test
    void bootChecksTheVsockCidBeforeReadingTheKernel() {
        assertEquals(2, run("boot", "--vsock", "2,/tmp/vmm4j-cli-test.sock", "--kernel", "/nonexistent"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("--vsock CID must be from 3 to 4294967294, not 2"), text);
        assertFalse(text.contains("cannot read kernel"), text);
    }

    @Test
    void bootTakesRepeatableDisksWithAReadOnlySuffix(@TempDir Path dir) throws IOException {
        Path kernel = Files.write(dir.resolve("kernel"), new byte[] {1});
        Path disk = Files.write(dir.resolve("disk.img"), new byte[512]);
        String missing = dir.resolve("missing.img").toString();
        assertEquals(2, run("boot", "--kernel", kernel.toString(), "--disk", disk + ",ro", "--disk", missing + ",ro"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("cannot read disk " + missing), text);
        assertFalse(text.contains("cannot read disk " + disk), "the first disk is fine: " + text);
        assertEquals(2, run("boot", "--kernel", kernel.toString(), "--disk", ",ro"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--disk wants PATH or PATH,ro, not ',ro'"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void bootRejectsAnUnknownIrqchipBeforeReadingTheKernel() {
        assertEquals(2, run("boot", "--irqchip", "userspace", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--irqchip must be kernel or split, not userspace"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void bootRejectsABadCpuModelBeforeReadingTheKernel() {
        assertEquals(2, run("boot", "--cpu", "baseline,+popcnf", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains("--cpu: unknown CPU feature 'popcnf' (did you mean popcnt?)"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("boot", "--cpu", "host,+xsave,-xsave", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--cpu: -xsave contradicts +xsave in host,+xsave"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void bootRejectsAnUnknownCompressionAndCompressionWithoutBusybox() {
        assertEquals(2, run("boot", "--busybox", "--compression", "zstd", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--compression must be none or gzip, not zstd"),
                err.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("boot", "--compression", "gzip", "--kernel", "/nonexistent"));
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--compression goes with --busybox"),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @RequiresHost(kvm = true)
    void bootRefusesMemoryBeyondTheHostsUnlessOvercommitIsAllowed(@TempDir Path dir) throws IOException {
        Path kernel = Files.write(dir.resolve("tiny"), MinimalKernel.bzImage());
        long hostGiB = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class)
                        .getTotalMemorySize()
                >> 30;
        String mem = (hostGiB + 2) + "G";
        assertEquals(1, run("boot", "--kernel", kernel.toString(), "--mem", mem, "--timeout", "30"));
        String refused = err.toString(StandardCharsets.UTF_8);
        assertTrue(refused.contains("exceeds the host's") && refused.contains("of physical memory"), refused);
        err.reset();
        assertEquals(0, run("boot", "--kernel", kernel.toString(), "--mem", mem, "--overcommit", "--timeout", "30"));
        String booted = err.toString(StandardCharsets.UTF_8);
        assertTrue(booted.contains("[vmm4j] machine ended: reboot"), booted);
    }

    /**
     * {@code boot --snapshot-on} saves the tiny kernel's {@code --hold} variant once it printed BOOTED (it then
     * halts for ever), and {@code restore} runs it again in this process until its timeout.
     */
    @Test
    @RequiresHost(kvm = true)
    void bootSnapshotOnSavesTheGuestAndRestoreRunsIt(@TempDir Path dir) {
        Path kernel = dir.resolve("tiny");
        assertEquals(0, run("tiny-kernel", "--hold", kernel.toString()));
        Path snapshot = dir.resolve("snap");
        err.reset();
        assertEquals(
                0,
                run(
                        "boot",
                        "--kernel",
                        kernel.toString(),
                        "--snapshot-on",
                        "BOOTED",
                        "--snapshot-dir",
                        snapshot.toString(),
                        "--timeout",
                        "30"));
        String saved = err.toString(StandardCharsets.UTF_8);
        assertTrue(saved.contains("[vmm4j] saved the guest in " + snapshot), saved);
        assertTrue(Files.isRegularFile(snapshot.resolve("machine.state")), "the state file");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("BOOTED"));
        err.reset();
        assertEquals(3, run("restore", snapshot.toString(), "--timeout", "1"), err.toString(StandardCharsets.UTF_8));
        String restored = err.toString(StandardCharsets.UTF_8);
        assertTrue(restored.contains("[vmm4j] restored: the guest ran "), restored);
        assertTrue(restored.contains("no exit within 1 s"), restored);
    }

    @Test
    void unknownCommandAndOptionFailWithUsage() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'frobnicate'"));
        assertEquals(2, run("info", "--yaml"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option --yaml"));
    }
}
