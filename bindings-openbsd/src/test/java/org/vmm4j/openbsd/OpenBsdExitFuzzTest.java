package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.vmm4j.ExitKind;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;
import org.vmm4j.openbsd.abi.VmmVar;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the OpenBSD exit decoder: a {@code struct vm_exit} of the current or the
 * 7.4 layout filled with the input's bytes (the start), with a {@code vrp_exit_reason}, the layout and
 * the length of the caller's instruction buffer from the end (FuzzedDataProvider). Port-I/O fields
 * come from the guest's instruction, and {@code vee_insn_bytes} are the guest's own bytes.
 *
 * <p>{@link OpenBsdExit#decode} and the accessors valid for the kind it reports document no exception
 * and none is accepted, within 2 s and no allocation at all (the class promises
 * no allocation per exit). The kind is one the decoder documents; an I/O exit has a size of 1, 2 or 4,
 * one access, a port below 65536 and data masked to its size, and an IN's reply changes only its bytes
 * of {@code vei_data}; an EPT violation / NPF hands over at most 15 instruction bytes, no more than the
 * caller's buffer holds, exactly the buffer's {@code vee_insn_bytes} (none on 7.4) and nothing past
 * them. Accessors of other kinds throw {@link IllegalStateException} (second check, 1 MiB: the
 * exception and its message). Seeds: the exits the kernel reports for port I/O, HLT, shutdown,
 * entry failures, terminated VMs and MMIO with decode assist ({@code OpenBsdExitFuzzTestInputs/exit},
 * remade by {@code bindings-openbsd/src/test/fuzz/make-seeds}).
 */
class OpenBsdExitFuzzTest {
    /**
     * Decoding allocates nothing ({@link FuzzCheck#allocatingNothing}) and documents no exception; FuzzCheck
     * needs a type, and the target fails if even that one is thrown.
     */
    private static final FuzzCheck CHECK =
            FuzzCheck.allocatingNothing(Duration.ofSeconds(2), IllegalStateException.class);

    private static final FuzzCheck WRONG_KIND =
            FuzzCheck.of(Duration.ofSeconds(2), 1L << 20, IllegalStateException.class);

    private static final Set<ExitKind> KINDS = EnumSet.of(
            ExitKind.IO_IN,
            ExitKind.IO_OUT,
            ExitKind.HLT,
            ExitKind.SHUTDOWN,
            ExitKind.FAIL_ENTRY,
            ExitKind.SYSTEM_EVENT,
            ExitKind.BOGUS,
            ExitKind.UNKNOWN);
    private static final VmmAbi[] ABIS = {VmmAbi.CURRENT, VmmAbi.OPENBSD_7_4};
    private static final NativeMemory[] BUFFERS = {
        NativeAccess.get().allocate(VmmAbi.CURRENT.vmExit.size()),
        NativeAccess.get().allocate(VmmAbi.OPENBSD_7_4.vmExit.size())
    };
    private static final OpenBsdExit[] EXITS = {
        new OpenBsdExit(VmmAbi.CURRENT, BUFFERS[0]), new OpenBsdExit(VmmAbi.OPENBSD_7_4, BUFFERS[1])
    };
    private static final byte SENTINEL = (byte) 0xA5;

    @FuzzTest
    void exit(FuzzedDataProvider data) {
        int which = data.consumeBoolean() ? 1 : 0;
        int reason = data.consumeInt(0, 0xffff);
        int dstLength = data.consumeInt(0, 20);
        VmmAbi abi = ABIS[which];
        NativeMemory buffer = BUFFERS[which];
        OpenBsdExit exit = EXITS[which];
        byte[] record = Arrays.copyOf(data.consumeRemainingAsBytes(), (int) buffer.size());
        buffer.put(0, record, 0, record.length);
        byte[] dst = new byte[dstLength];
        long veiData = abi.vmExit.offset("vei.vei_data");
        long insnBytes = abi.hasMmioAssist() ? abi.vmExit.offset("vee.vee_insn_bytes") : -1;
        String name = "OpenBSD " + (which == 0 ? "current" : "7.4") + " reason " + reason + ", buffer of " + dstLength
                + ": " + HexFormat.of().formatHex(record, 0, 32);
        FuzzCheck.Target target = () -> {
            ExitKind kind = exit.decode(reason);
            assertTrue(KINDS.contains(kind), "a documented kind");
            assertEquals(kind, exit.kind(), "kind()");
            assertEquals(reason, exit.rawReason(), "rawReason()");
            if (kind == ExitKind.IO_IN || kind == ExitKind.IO_OUT) {
                int size = exit.ioSize();
                assertTrue(size == 1 || size == 2 || size == 4, "I/O size 1, 2 or 4");
                assertEquals(1, exit.ioCount(), "one access per exit");
                assertTrue(exit.ioPort() >= 0 && exit.ioPort() <= 0xffff, "a 16-bit port");
                assertEquals(0, exit.ioData(0) & ~MmioDecoder.mask(size), "data masked to the size");
                assertTrue(exit.ioInstructionLength() >= 0, "instruction length");
                exit.ioString();
                exit.ioRep();
                if (kind == ExitKind.IO_IN) {
                    exit.setIoData(0, -1L);
                    for (int i = 0; i < record.length; i++) {
                        boolean reply = i >= veiData && i < veiData + size;
                        assertEquals(reply ? (byte) -1 : record[i], buffer.getByte(i), "only the reply's bytes change");
                    }
                    assertEquals(MmioDecoder.mask(size), exit.ioData(0), "the reply reads back");
                }
            }
            if (reason == VmmVar.VMX_EXIT_EPT_VIOLATION || reason == VmmVar.SVM_VMEXIT_NPF) {
                assertEquals(ExitKind.UNKNOWN, kind, "the vCPU decodes the instruction, not the exit");
                assertTrue(exit.eptFaultType() >= 0 && exit.eptFaultType() <= 0xff, "fault type");
                Arrays.fill(dst, SENTINEL);
                int n = exit.instructionBytes(dst);
                assertTrue(n >= 0 && n <= 15 && n <= dst.length, "at most 15 bytes, within the buffer");
                assertTrue(abi.hasMmioAssist() || n == 0, "no assist bytes on 7.4");
                for (int i = 0; i < n; i++) {
                    assertEquals(record[(int) insnBytes + i], dst[i], "the kernel's instruction bytes");
                }
                for (int i = n; i < dst.length; i++) {
                    assertEquals(SENTINEL, dst[i], "nothing past the bytes handed over");
                }
            }
        };
        Exception thrown = CHECK.run(name, target);
        assertNull(thrown, "decoding throws nothing");
        ExitKind kind = exit.kind();
        WRONG_KIND.run(name, () -> {
            if (kind != ExitKind.IO_IN && kind != ExitKind.IO_OUT) {
                expectWrongKind(exit::ioPort);
            }
            expectWrongKind(exit::mmioAddress); // only the vCPU's own decoding makes an MMIO exit
            if (kind != ExitKind.FAIL_ENTRY) {
                expectWrongKind(exit::failureReason);
            }
            if (reason != VmmVar.VMX_EXIT_EPT_VIOLATION && reason != VmmVar.SVM_VMEXIT_NPF) {
                expectWrongKind(exit::eptFaultType);
            }
        });
    }

    private static void expectWrongKind(java.util.function.LongSupplier accessor) {
        long value;
        try {
            value = accessor.getAsLong();
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().startsWith("not "), e.getMessage());
            return;
        }
        throw new AssertionError("an accessor of another kind returned " + value);
    }
}
