package org.vmm4j.openbsd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.SystemEvent;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * Decodes {@code struct vm_exit} buffers filled at the byte offsets gcc reports for the current
 * header (vei_size 0, vei_dir 1, vei_rep 2, vei_string 3, vei_port 6, vei_data 8, vei_insn_len 12;
 * vee_insn_info 1, vee_insn_len 2, vee_insn_bytes 3), the way the kernel writes them.
 */
class OpenBsdExitTest {
    private final NativeMemory buffer = NativeAccess.get().allocate(VmmAbi.CURRENT.vmExit.size());
    private final OpenBsdExit exit = new OpenBsdExit(VmmAbi.CURRENT, buffer);

    @AfterEach
    void free() {
        buffer.close();
    }

    private void inout(int size, int dir, int port, int data, int insnLen) {
        buffer.putByte(0, (byte) size);
        buffer.putByte(1, (byte) dir);
        buffer.putShort(6, (short) port);
        buffer.putInt(8, data);
        buffer.putByte(12, (byte) insnLen);
    }

    @Test
    void vmxIoExitWithDirectionOutIsIoOutWithPortSizeAndValue() {
        inout(1, 0, 0x3f8, 0x41, 1);
        assertEquals(ExitKind.IO_OUT, exit.decode(30));
        assertEquals(0x3f8, exit.ioPort());
        assertEquals(1, exit.ioSize());
        assertEquals(0x41, exit.ioData(0));
        assertEquals(1, exit.ioInstructionLength());
        assertEquals(30, exit.rawReason());
    }

    @Test
    void outValueIsMaskedToTheAccessSizeBecauseTheKernelCopiesAllOfEax() {
        inout(2, 0, 0x80, 0x12345678, 2);
        exit.decode(30);
        assertEquals(0x5678, exit.ioData(0));
    }

    @Test
    void svmIoioExitWithDirectionInIsIoIn() {
        inout(4, 1, 0xcfc, 0, 1);
        assertEquals(ExitKind.IO_IN, exit.decode(0x7B));
        assertEquals(0xcfc, exit.ioPort());
        assertEquals(4, exit.ioSize());
    }

    @Test
    void inReplyIsMergedIntoVeiDataOverTheAccessSize() {
        inout(1, 1, 0x60, 0xAABBCCDD, 1);
        exit.decode(30);
        exit.setIoData(0, 0x1FF);
        assertEquals(0xAABBCCFFL, buffer.getUnsignedInt(8));
        assertEquals(0xFF, exit.ioData(0));
    }

    @Test
    void replyingToAnOutIsRejected() {
        inout(1, 0, 0x60, 0, 1);
        exit.decode(30);
        assertThrows(IllegalStateException.class, () -> exit.setIoData(0, 1));
    }

    @Test
    void ioExitOfAnImpossibleSizeIsUnknownSoNoAccessOfThatSizeIsCompleted() {
        inout(3, 1, 0x60, 0, 1);
        assertEquals(ExitKind.UNKNOWN, exit.decode(30));
        assertThrows(IllegalStateException.class, exit::ioSize);
        inout(0, 0, 0x60, 0, 1);
        assertEquals(ExitKind.UNKNOWN, exit.decode(0x7B));
    }

    @Test
    void hltShutdownAndTripleFaultMapToUnifiedKinds() {
        assertEquals(ExitKind.HLT, exit.decode(12));
        assertEquals(ExitKind.HLT, exit.decode(0x78));
        assertEquals(ExitKind.SHUTDOWN, exit.decode(2));
        assertEquals(ExitKind.SHUTDOWN, exit.decode(0x7F));
        assertThrows(IllegalStateException.class, exit::ioPort);
    }

    @Test
    void exitsVmdIgnoresAreBogusSoTheLoopRunsAgain() {
        for (int reason : new int[] {1, 7, 10, 0x60, 0x64, 0x72, 0x7C, 0xFFFF}) {
            assertEquals(ExitKind.BOGUS, exit.decode(reason), "reason " + reason);
        }
    }

    @Test
    void terminatedVmIsAShutdownSystemEventCarryingTheRawReason() {
        assertEquals(ExitKind.SYSTEM_EVENT, exit.decode(0xFFFE));
        assertEquals(SystemEvent.SHUTDOWN, exit.systemEvent());
        assertEquals(0xFFFE, exit.rawReason());
    }

    @Test
    void entryFailureCarriesTheRawReason() {
        assertEquals(ExitKind.FAIL_ENTRY, exit.decode(33));
        assertEquals(33, exit.failureReason());
    }

    @Test
    void nestedPageFaultExposesFaultTypeAndAssistBytes() {
        buffer.putByte(0, (byte) 2); // VEE_FAULT_MMIO_ASSIST
        buffer.putByte(1, (byte) 3); // VEE_LEN_VALID | VEE_BYTES_VALID
        buffer.putByte(2, (byte) 3);
        buffer.put(3, new byte[] {(byte) 0x89, 0x07, (byte) 0x90}, 0, 3);
        assertEquals(ExitKind.UNKNOWN, exit.decode(0x400));
        assertEquals(2, exit.eptFaultType());
        byte[] bytes = new byte[15];
        assertEquals(3, exit.instructionBytes(bytes));
        assertArrayEquals(new byte[] {(byte) 0x89, 0x07, (byte) 0x90}, java.util.Arrays.copyOf(bytes, 3));
        assertThrows(IllegalStateException.class, exit::mmioAddress);
    }

    @Test
    void vmxEptViolationWithoutAssistReportsNoBytes() {
        buffer.putByte(0, (byte) 2);
        buffer.putByte(1, (byte) 0);
        exit.decode(48);
        assertEquals(0, exit.instructionBytes(new byte[15]));
    }

    @Test
    void openBsd74ExitHasNoAssistBytes() {
        try (NativeMemory old = NativeAccess.get().allocate(VmmAbi.OPENBSD_7_4.vmExit.size())) {
            OpenBsdExit e = new OpenBsdExit(VmmAbi.OPENBSD_7_4, old);
            old.putByte(0, (byte) 2);
            e.decode(48);
            assertEquals(2, e.eptFaultType());
            assertEquals(0, e.instructionBytes(new byte[15]));
            assertFalse(VmmAbi.OPENBSD_7_4.hasMmioAssist());
            assertTrue(VmmAbi.CURRENT.hasMmioAssist());
        }
    }
}
