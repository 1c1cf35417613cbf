package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.VmmException;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;

/**
 * vm_exit records that the invariants of {@code BhyveExitFuzzTest} rule out: access sizes other than
 * 1, 2 or 4 (ports) and 1, 2, 4 or 8 (MMIO), a 64-bit REP count with the top bit set, and a string
 * buffer the guest put outside RAM.
 */
class BhyveExitHostileRecordTest {
    private final NativeMemory buffer = NativeAccess.get().allocate(VM_EXIT_SIZE);
    private final NativeGuestMemory ram =
            new NativeGuestMemory(0, NativeAccess.get().allocate(0x10000), false, false, 0);
    private final long[] regs = new long[VM_REG_LAST];
    private final BhyveExit exit = new BhyveExit(buffer, new VcpuAccess() {
        @Override
        public long getRegister(int r) {
            return regs[r];
        }

        @Override
        public void setRegister(int r, long value) {
            regs[r] = value;
        }

        @Override
        public long translate(long gla, NativeMemory e, long pagingOffset, boolean write) {
            return gla;
        }

        @Override
        public GuestMemory regionAt(long gpa) {
            return ram.contains(gpa) ? ram : null;
        }
    });

    @AfterEach
    void free() {
        buffer.close();
        ram.memory().close();
    }

    private void inout(int bytes, boolean in, boolean string, boolean rep) {
        buffer.putInt(VM_EXIT_EXITCODE, string ? VM_EXITCODE_INOUT_STR : VM_EXITCODE_INOUT);
        int bits = bytes << VM_INOUT_BYTES_SHIFT
                | (in ? 1 << VM_INOUT_IN_SHIFT : 0)
                | (string ? 1 << VM_INOUT_STRING_SHIFT : 0)
                | (rep ? 1 << VM_INOUT_REP_SHIFT : 0);
        buffer.putShort(VM_EXIT_INOUT_BITS, (short) bits);
        buffer.putShort(VM_EXIT_INOUT_PORT, (short) 0x3f8);
    }

    @Test
    void portAccessOfThreeBytesIsUnknownNotAnIoExitOfSizeThree() {
        inout(3, false, false, false);
        exit.decode();
        assertEquals(ExitKind.UNKNOWN, exit.kind());
        inout(4, false, false, false);
        exit.decode();
        assertEquals(ExitKind.IO_OUT, exit.kind());
        assertEquals(4, exit.ioSize());
    }

    @Test
    void repCountWithTheTopBitSetIsCappedNotNegative() {
        inout(1, true, true, true);
        buffer.putInt(VM_EXIT_INOUT_STR_ADDRSIZE, 8);
        buffer.putLong(VM_EXIT_INOUT_STR_COUNT, -1L);
        exit.decode();
        assertEquals(ExitKind.IO_IN, exit.kind());
        assertEquals(BhyveExit.MAX_STRING_COUNT, exit.ioCount());
    }

    @Test
    void movWithAnOperandSizeOfThreeIsAnUndecodedInstruction() {
        buffer.putInt(VM_EXIT_EXITCODE, VM_EXITCODE_INST_EMUL);
        buffer.putLong(VM_EXIT_INST_EMUL_GPA, 0xd0000000L);
        buffer.putByte(VM_EXIT_INST_EMUL_VIE + VIE_DECODED, (byte) 1);
        buffer.putByte(VM_EXIT_INST_EMUL_VIE + VIE_OP_BYTE, (byte) 0x89);
        buffer.putByte(VM_EXIT_INST_EMUL_VIE + VIE_OPSIZE_BYTE, (byte) (3 << VIE_OPSIZE_SHIFT));
        exit.decode();
        assertEquals(ExitKind.INTERNAL_ERROR, exit.kind());
        assertEquals(BhyveExit.SUBERROR_NOT_DECODED, exit.internalErrorSuberror());
        buffer.putByte(VM_EXIT_INST_EMUL_VIE + VIE_OPSIZE_BYTE, (byte) (4 << VIE_OPSIZE_SHIFT));
        exit.decode();
        assertEquals(ExitKind.MMIO_WRITE, exit.kind());
        assertEquals(4, exit.mmioSize());
    }

    @Test
    void outsFromOutsideGuestRamIsAVmmExceptionNamingTheAddress() {
        inout(1, false, true, false);
        buffer.putInt(VM_EXIT_INOUT_STR_ADDRSIZE, 8);
        buffer.putLong(VM_EXIT_INOUT_STR_COUNT, 1);
        buffer.putLong(VM_EXIT_INOUT_STR_INDEX, 0x20000);
        buffer.putInt(VM_EXIT_INOUT_STR_PAGING + VM_GUEST_PAGING_CPU_MODE, CPU_MODE_64BIT);
        buffer.putInt(VM_EXIT_INOUT_STR_SEG_NAME, VM_REG_GUEST_DS);
        exit.decode();
        VmmException e = assertThrows(VmmException.class, () -> exit.ioData(0));
        assertTrue(e.getMessage().contains("0x20000"), e.getMessage());
    }
}
