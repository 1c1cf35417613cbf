package org.vmm4j.openbsd.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/**
 * Compares every layout and request number of {@link VmmAbi} with what gcc computes for the same
 * structs declared with {@code <stdint.h>} types in {@code vmm_layouts.c} (an independent derivation:
 * the C side uses its own {@code _IOC} macros and the compiler's {@code offsetof}/{@code sizeof}).
 */
@RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
class VmmLayoutsCompilerTest {

    record Fact(String abi, String struct, String key, long value) {}

    @TempDir
    static Path dir;

    static List<Fact> facts;

    @BeforeAll
    static void compileAndRun() throws Exception {
        Path source = dir.resolve("vmm_layouts.c");
        try (InputStream in = VmmLayoutsCompilerTest.class.getResourceAsStream("vmm_layouts.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path binary = dir.resolve("vmm_layouts");
        Process gcc = new ProcessBuilder("gcc", "-Wall", "-Werror", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true)
                .start();
        String gccOut = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
        assertEquals(0, gcc.exitValue(), "gcc failed:\n" + gccOut);
        Process run = new ProcessBuilder(binary.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(30, TimeUnit.SECONDS));
        facts = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                String[] f = line.trim().split(" ");
                facts.add(new Fact(f[0], f[1], f[2], Long.parseLong(f[3])));
            }
        }
        assertTrue(facts.size() > 150, "expected the C program to report its facts, got " + facts.size());
    }

    private static VmmAbi abi(String name) {
        return name.equals("current") ? VmmAbi.CURRENT : VmmAbi.OPENBSD_7_4;
    }

    private static CStruct struct(VmmAbi abi, String name) {
        return switch (name) {
            case "vm_mem_range" -> abi.vmMemRange;
            case "vm_create_params" -> abi.vmCreateParams;
            case "vcpu_inject_event" -> abi.vcpuInjectEvent;
            case "vm_run_params" -> abi.vmRunParams;
            case "vm_exit_inout" -> abi.vmExitInout;
            case "vcpu_segment_info" -> abi.vcpuSegmentInfo;
            case "vcpu_reg_state" -> abi.vcpuRegState;
            case "vm_exit" -> abi.vmExit;
            case "vm_info_result" -> abi.vmInfoResult;
            case "vm_info_params" -> abi.vmInfoParams;
            case "vm_terminate_params" -> abi.vmTerminateParams;
            case "vm_resetcpu_params" -> abi.vmResetcpuParams;
            case "vm_sharemem_params" -> abi.vmSharememParams;
            case "vm_intr_params" -> abi.vmIntrParams;
            case "vm_rwregs_params" -> abi.vmRwregsParams;
            case "vm_rwvmparams_params" -> abi.vmRwvmparamsParams;
            default -> throw new AssertionError("unknown struct " + name);
        };
    }

    private static long ioctl(VmmAbi abi, String name) {
        return switch (name) {
            case "VMM_IOC_CREATE" -> abi.iocCreate;
            case "VMM_IOC_RUN" -> abi.iocRun;
            case "VMM_IOC_INFO" -> abi.iocInfo;
            case "VMM_IOC_TERM" -> abi.iocTerm;
            case "VMM_IOC_RESETCPU" -> abi.iocResetcpu;
            case "VMM_IOC_INTR" -> abi.iocIntr;
            case "VMM_IOC_READREGS" -> abi.iocReadregs;
            case "VMM_IOC_WRITEREGS" -> abi.iocWriteregs;
            case "VMM_IOC_READVMPARAMS" -> abi.iocReadvmparams;
            case "VMM_IOC_WRITEVMPARAMS" -> abi.iocWritevmparams;
            case "VMM_IOC_SHAREMEM" -> abi.iocSharemem;
            default -> throw new AssertionError("unknown ioctl " + name);
        };
    }

    private static long javaOffset(VmmAbi abi, CStruct s, String member) {
        int bracket = member.indexOf('[');
        if (bracket < 0) {
            return s.offset(member);
        }
        // vcp_memranges[1].vmr_size: element 1 of an array of vm_mem_range
        String array = member.substring(0, bracket);
        int index = Integer.parseInt(member.substring(bracket + 1, member.indexOf(']')));
        String rest = member.substring(member.indexOf(']') + 2);
        return s.offset(array + "." + rest) + index * abi.vmMemRange.size();
    }

    @Test
    void everySizeOffsetAndRequestNumberMatchesGcc() {
        List<String> mismatches = new ArrayList<>();
        for (Fact f : facts) {
            VmmAbi abi = abi(f.abi());
            long java;
            if (f.struct().equals("ioctl")) {
                java = ioctl(abi, f.key());
            } else if (f.key().equals("sizeof")) {
                java = struct(abi, f.struct()).size();
            } else {
                java = javaOffset(abi, struct(abi, f.struct()), f.key());
            }
            if (java != f.value()) {
                mismatches.add(f + " but Java has " + java);
            }
        }
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    }

    @Test
    void gccCheckedEveryTopLevelMemberOfEveryStruct() {
        for (String abiName : List.of("current", "7.4")) {
            VmmAbi abi = abi(abiName);
            Set<String> structs = new HashSet<>();
            Set<String> checked = new HashSet<>();
            for (Fact f : facts) {
                if (f.abi().equals(abiName) && !f.struct().equals("ioctl")) {
                    structs.add(f.struct());
                    checked.add(f.struct() + "." + f.key());
                }
            }
            for (String name : structs) {
                for (Map.Entry<String, Long> member :
                        struct(abi, name).members().entrySet()) {
                    if (!member.getKey().contains(".") && !name.equals("vm_exit")) {
                        assertTrue(
                                checked.contains(name + "." + member.getKey()),
                                abiName + " " + name + "." + member.getKey() + " is not checked against gcc");
                    }
                }
            }
        }
    }

    @Test
    void requestNumbersThatDependOnTheReleaseDiffer() {
        assertTrue(VmmAbi.CURRENT.iocCreate != VmmAbi.OPENBSD_7_4.iocCreate);
        assertTrue(VmmAbi.CURRENT.iocRun != VmmAbi.OPENBSD_7_4.iocRun);
        assertTrue(VmmAbi.CURRENT.iocSharemem != VmmAbi.OPENBSD_7_4.iocSharemem);
        assertEquals(VmmAbi.CURRENT.iocReadregs, VmmAbi.OPENBSD_7_4.iocReadregs);
    }
}
