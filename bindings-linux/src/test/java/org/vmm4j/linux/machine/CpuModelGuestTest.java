package org.vmm4j.linux.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmm4j.CpuidEntry;
import org.vmm4j.Hypervisor;
import org.vmm4j.boot.BootException;
import org.vmm4j.boot.LinuxKernel;
import org.vmm4j.boot.MinimalKernel;
import org.vmm4j.linux.KvmSystem;
import org.vmm4j.machine.Machine;
import org.vmm4j.machine.MachineExit;
import org.vmm4j.testsupport.RequiresHost;
import org.vmm4j.x86.CpuFeature;
import org.vmm4j.x86.CpuModel;

/**
 * CPU models on the real /dev/kvm, seen from inside: a kernel of the test's own executes CPUID for leaves 1,
 * 7 and 0x40000000 and prints EAX EBX ECX EDX of each in hex on COM1, then resets.
 */
@RequiresHost(kvm = true)
class CpuModelGuestTest {
    private static final int[][] LEAVES = {{1, 0}, {7, 0}, {0x4000_0000, 0}};

    /** 64-bit code at the bzImage entry; RIP-relative table of (leaf, subleaf) pairs ends with leaf -1. */
    private static final int[] CPUID_DUMP = {
        0x48, 0x8d, 0x35, 0x6e, 0x00, 0x00, 0x00, //   0: lea rsi, [rip + table]      (117 - 7)
        0x8b, 0x06, //   7: mov eax, [rsi]
        0x83, 0xf8, 0xff, //   9: cmp eax, -1
        0x74, 0x3e, //  12: je 76
        0x8b, 0x4e, 0x04, //  14: mov ecx, [rsi + 4]
        0x0f, 0xa2, //  17: cpuid
        0x41, 0x89, 0xc0, //  19: mov r8d, eax
        0x41, 0x89, 0xd9, //  22: mov r9d, ebx
        0x41, 0x89, 0xca, //  25: mov r10d, ecx
        0x41, 0x89, 0xd3, //  28: mov r11d, edx
        0x44, 0x89, 0xc7, //  31: mov edi, r8d
        0xe8, 0x2c, 0x00, 0x00, 0x00, //  34: call hex                    (83 - 39)
        0x44, 0x89, 0xcf, //  39: mov edi, r9d
        0xe8, 0x24, 0x00, 0x00, 0x00, //  42: call hex                    (83 - 47)
        0x44, 0x89, 0xd7, //  47: mov edi, r10d
        0xe8, 0x1c, 0x00, 0x00, 0x00, //  50: call hex                    (83 - 55)
        0x44, 0x89, 0xdf, //  55: mov edi, r11d
        0xe8, 0x14, 0x00, 0x00, 0x00, //  58: call hex                    (83 - 63)
        0x66, 0xba, 0xf8, 0x03, //  63: mov dx, 0x3f8
        0xb0, 0x0a, //  67: mov al, '\n'
        0xee, //  69: out dx, al
        0x48, 0x83, 0xc6, 0x08, //  70: add rsi, 8
        0xeb, 0xbb, //  74: jmp 7
        0xb0, 0xfe, //  76: mov al, 0xfe
        0xe6, 0x64, //  78: out 0x64, al                i8042 reset
        0xf4, //  80: hlt
        0xeb, 0xfd, //  81: jmp 80
        0x66, 0xba, 0xf8, 0x03, //  83: hex: mov dx, 0x3f8
        0xb9, 0x08, 0x00, 0x00, 0x00, //  87: mov ecx, 8
        0xc1, 0xc7, 0x04, //  92: rol edi, 4
        0x89, 0xf8, //  95: mov eax, edi
        0x83, 0xe0, 0x0f, //  97: and eax, 0xf
        0x3c, 0x0a, // 100: cmp al, 10
        0x72, 0x02, // 102: jb 106
        0x04, 0x27, // 104: add al, 'a' - '0' - 10
        0x04, 0x30, // 106: add al, '0'
        0xee, // 108: out dx, al
        0xff, 0xc9, // 109: dec ecx
        0x75, 0xeb, // 111: jnz 92
        0xb0, 0x20, // 113: mov al, ' '
        0xee, // 115: out dx, al
        0xc3, // 116: ret
    };

    private static byte[] cpuidDumpKernel() {
        byte[] minimal = MinimalKernel.bzImage();
        int entry = 1024 + 0x200;
        ByteBuffer image = ByteBuffer.wrap(Arrays.copyOf(minimal, entry + CPUID_DUMP.length + 8 * LEAVES.length + 4))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < CPUID_DUMP.length; i++) {
            image.put(entry + i, (byte) CPUID_DUMP[i]);
        }
        int table = entry + CPUID_DUMP.length;
        for (int[] leaf : LEAVES) {
            image.putInt(table, leaf[0]).putInt(table + 4, leaf[1]);
            table += 8;
        }
        image.putInt(table, -1);
        return image.array();
    }

    /** What the guest saw, one entry per {@link #LEAVES} row, and the machine that showed it. */
    private record Seen(List<CpuidEntry> leaves, CpuModel model, String commandLine) {
        CpuidEntry leaf(int function) {
            return leaves.stream()
                    .filter(e -> e.function() == function)
                    .findFirst()
                    .orElseThrow();
        }

        boolean has(CpuFeature f) {
            return CpuModel.offers(leaves, f);
        }
    }

    private static Seen run(Machine.Builder builder) throws InterruptedException {
        ConsoleCapture console = new ConsoleCapture(false);
        try (Machine machine = builder.kernel(LinuxKernel.of(cpuidDumpKernel(), null, null))
                .memoryMiB(64)
                .console(console)
                .build()) {
            machine.start();
            MachineExit exit = machine.awaitExit(Duration.ofSeconds(60))
                    .orElseThrow(() -> new AssertionError("no exit within 60 s; console: " + console.text()));
            assertEquals(MachineExit.Reason.REBOOT, exit.reason(), exit.detail() + "; console: " + console.text());
            String[] lines = console.text().strip().split("\n");
            assertEquals(LEAVES.length, lines.length, console.text());
            List<CpuidEntry> leaves = new ArrayList<>();
            for (int i = 0; i < lines.length; i++) {
                String[] r = lines[i].strip().split(" ");
                assertEquals(4, r.length, lines[i]);
                leaves.add(new CpuidEntry(
                        LEAVES[i][0],
                        LEAVES[i][1],
                        0,
                        Integer.parseUnsignedInt(r[0], 16),
                        Integer.parseUnsignedInt(r[1], 16),
                        Integer.parseUnsignedInt(r[2], 16),
                        Integer.parseUnsignedInt(r[3], 16)));
            }
            return new Seen(leaves, machine.cpuModel(), machine.commandLine());
        }
    }

    private static boolean nestedPvm() {
        return DebianKernel.hostIsNestedPvm();
    }

    private static List<CpuidEntry> supported() {
        try (KvmSystem kvm = KvmSystem.open()) {
            return kvm.supportedCpuid();
        }
    }

    @Test
    void autoFollowsWhatTheProbeSaysAboutGuestCode() throws Exception {
        String guestCode =
                Hypervisor.probe().hypervisor("kvm").orElseThrow().details().get("guestCode");
        boolean emulated = nestedPvm();
        assertEquals(emulated ? "emulated (kvm_pvm)" : "hardware", guestCode);
        try (Hypervisor kvm = Hypervisor.open("kvm")) {
            assertEquals(emulated, kvm.emulatesGuestCode());
        }
        Seen seen = run(Machine.builder().commandLine("console=ttyS0"));
        if (emulated) {
            assertEquals(CpuModel.parse("baseline,-kvm-pv"), seen.model());
            assertEquals("console=ttyS0 clearcpuid=141,151,154,158,288,295,306,308,514,515", seen.commandLine());
            assertEquals(0, seen.leaf(0x4000_0000).ebx(), "no KVMKVMKVM signature without the paravirtual leaves");
        } else {
            assertEquals(CpuModel.host(), seen.model());
            assertEquals("console=ttyS0", seen.commandLine());
        }
    }

    @Test
    void theGuestSeesTheParavirtualLeavesAndX2apicAsTheModelSays() throws Exception {
        List<CpuidEntry> supported = supported();
        assumeTrue(CpuModel.offers(supported, CpuFeature.X2APIC), "KVM here offers no x2apic to hide");
        Seen host = run(Machine.builder().cpu("host"));
        assertTrue(host.has(CpuFeature.X2APIC));
        assertTrue(host.has(CpuFeature.HYPERVISOR));
        assertEquals(0x4b4d564b, host.leaf(0x4000_0000).ebx(), "KVMK of KVMKVMKVM");

        Seen edited = run(Machine.builder().cpu("host,-x2apic,-kvm-pv"));
        assertFalse(edited.has(CpuFeature.X2APIC), "x2apic hidden");
        assertTrue(edited.has(CpuFeature.HYPERVISOR));
        assertEquals(0, edited.leaf(0x4000_0000).ebx(), "paravirtual leaves gone");
        assertEquals(
                host.leaf(1).ecx() & ~CpuFeature.X2APIC.mask(), edited.leaf(1).ecx(), "only x2apic changed in leaf 1");
    }

    @Test
    void baselineHidesPopcntAndXsaveFromTheGuest() throws Exception {
        assumeFalse(
                nestedPvm(),
                "KVM through kvm_pvm shows the guest the host CPU's own leaf 1 and 7 bits outside KVM's supported"
                        + " set, whatever KVM_SET_CPUID2 says (see onAnEmulatedHost...); Linux guests are told"
                        + " through clearcpuid= there");
        List<CpuidEntry> supported = supported();
        Seen host = run(Machine.builder().cpu("host"));
        Seen baseline = run(Machine.builder().cpu("baseline"));
        for (CpuFeature f : List.of(
                CpuFeature.POPCNT,
                CpuFeature.XSAVE,
                CpuFeature.AVX,
                CpuFeature.RDRAND,
                CpuFeature.FSGSBASE,
                CpuFeature.SMAP,
                CpuFeature.SMEP,
                CpuFeature.RDSEED,
                CpuFeature.UMIP)) {
            assertEquals(CpuModel.offers(supported, f), host.has(f), "host model shows what KVM supports: " + f);
            assertFalse(baseline.has(f), "baseline hides " + f);
        }
        assertEquals(host.leaf(0x4000_0000), baseline.leaf(0x4000_0000), "baseline keeps the paravirtual leaves");
    }

    @Test
    void onAnEmulatedHostTheGuestStillSeesTheHostsPopcntSoLinuxIsToldThroughClearcpuid() throws Exception {
        assumeTrue(nestedPvm(), "only KVM through kvm_pvm lets host CPUID bits through");
        assumeTrue(hostCpuinfoFlags().contains(" popcnt "), "the host CPU has no POPCNT");
        assertFalse(CpuModel.offers(supported(), CpuFeature.POPCNT), "KVM here does not list POPCNT as supported");
        Seen baseline = run(Machine.builder().cpu("baseline"));
        assertTrue(
                baseline.has(CpuFeature.POPCNT),
                "measured on this host: the guest sees POPCNT although the model cleared it; if this fails, KVM"
                        + " hides it now and clearcpuid= is no longer needed here");
        assertTrue(
                baseline.commandLine().endsWith(" clearcpuid=141,151,154,158,288,295,306,308,514,515"),
                baseline.commandLine());
        Seen own = run(Machine.builder().cpu("baseline").commandLine("console=ttyS0 clearcpuid=151"));
        assertEquals(
                "console=ttyS0 clearcpuid=151,141,154,158,288,295,306,308,514,515",
                own.commandLine(),
                "ours merged into the user's clearcpuid=, the user's features first");
    }

    @Test
    void featuresKvmCannotOfferStopTheBuildBeforeAnyVcpuNamingThem() {
        List<CpuidEntry> supported = supported();
        CpuFeature absent = null;
        for (CpuFeature f : List.of(CpuFeature.AVX512F, CpuFeature.POPCNT, CpuFeature.AMX_TILE, CpuFeature.SGX)) {
            if (!CpuModel.offers(supported, f)) {
                absent = f;
                break;
            }
        }
        assumeTrue(absent != null, "KVM here offers avx512f, popcnt, amx_tile and sgx alike");
        String spec = "host,+" + absent;
        BootException e = assertThrows(
                BootException.class,
                () -> Machine.builder()
                        .kernel(LinuxKernel.of(cpuidDumpKernel(), null, null))
                        .memoryMiB(64)
                        .cpu(spec)
                        .build());
        assertTrue(e.getMessage().startsWith("CPU model " + spec + " on this kvm host"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot offer " + absent + " (" + absent.location() + ")"), e.getMessage());
    }

    private static String hostCpuinfoFlags() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("flags")) {
                return line.substring(line.indexOf(':') + 1) + " ";
            }
        }
        return "";
    }
}
