package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.testsupport.RequiresHost;

/** vmd message numbers and payload layouts of {@link VmdProtocol#CURRENT} against gcc's answer. */
@RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
class VmdProtocolCompilerTest {

    @TempDir
    Path dir;

    private List<String[]> run() throws Exception {
        Path source = dir.resolve("vmd_protocol.c");
        try (InputStream in = getClass().getResourceAsStream("vmd_protocol.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path binary = dir.resolve("vmd_protocol");
        Process gcc = new ProcessBuilder("gcc", "-Wall", "-Werror", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, gcc.exitValue(), out);
        Process p = new ProcessBuilder(binary.toString()).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        List<String[]> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line.trim().split(" "));
            }
        }
        return lines;
    }

    private static int type(VmdProtocol p, String name) {
        return switch (name) {
            case "IMSG_CTL_FAIL" -> VmdProtocol.IMSG_CTL_FAIL;
            case "IMSG_CTL_RESET" -> VmdProtocol.IMSG_CTL_RESET;
            case "IMSG_PROC_MAX" -> VmdProtocol.IMSG_PROC_MAX;
            case "IMSG_VMDOP_START_VM_REQUEST" -> p.startVmRequest;
            case "IMSG_VMDOP_START_VM_RESPONSE" -> p.startVmResponse;
            case "IMSG_VMDOP_PAUSE_VM" -> p.pauseVm;
            case "IMSG_VMDOP_PAUSE_VM_RESPONSE" -> p.pauseVmResponse;
            case "IMSG_VMDOP_UNPAUSE_VM" -> p.unpauseVm;
            case "IMSG_VMDOP_UNPAUSE_VM_RESPONSE" -> p.unpauseVmResponse;
            case "IMSG_VMDOP_WAIT_VM_REQUEST" -> p.waitVmRequest;
            case "IMSG_VMDOP_TERMINATE_VM_REQUEST" -> p.terminateVmRequest;
            case "IMSG_VMDOP_TERMINATE_VM_RESPONSE" -> p.terminateVmResponse;
            case "IMSG_VMDOP_TERMINATE_VM_EVENT" -> p.terminateVmEvent;
            case "IMSG_VMDOP_GET_INFO_VM_REQUEST" -> p.getInfoVmRequest;
            case "IMSG_VMDOP_GET_INFO_VM_DATA" -> p.getInfoVmData;
            case "IMSG_VMDOP_GET_INFO_VM_END_DATA" -> p.getInfoVmEndData;
            case "IMSG_VMDOP_LOAD" -> p.load;
            case "IMSG_VMDOP_RELOAD" -> p.reload;
            default -> throw new AssertionError(name);
        };
    }

    private static CStruct struct(VmdProtocol p, String name) {
        return switch (name) {
            case "vmop_result" -> p.vmopResult;
            case "vmop_info_result" -> p.vmopInfoResult;
            case "vmop_id" -> p.vmopId;
            case "vmop_owner" -> p.vmopOwner;
            case "vmop_create_params" -> p.vmopCreateParams;
            default -> throw new AssertionError(name);
        };
    }

    @Test
    void messageNumbersAndPayloadLayoutsMatchGcc() throws Exception {
        VmdProtocol p = VmdProtocol.CURRENT;
        List<String> mismatches = new ArrayList<>();
        List<String[]> facts = run();
        assertTrue(facts.size() > 50);
        for (String[] f : facts) {
            long c = Long.parseLong(f[2]);
            long java = f[0].equals("type")
                    ? type(p, f[1])
                    : f[1].equals("sizeof")
                            ? struct(p, f[0]).size()
                            : struct(p, f[0]).offset(f[1]);
            if (java != c) {
                mismatches.add(String.join(" ", f) + " but Java has " + java);
            }
        }
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    }
}
