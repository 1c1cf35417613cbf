package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.freebsd.abi.Vmm.*;
import static org.vmm4j.freebsd.abi.VmmDev.*;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.VmmException;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the bhyve exit decoder: a {@code struct vm_exit} filled with the input's
 * bytes (the start), and from the end (FuzzedDataProvider) the guest's 16 GPRs and what a {@link
 * VcpuAccess} stand-in's {@code translate} does with a linear address: keep it, move it by a chosen
 * distance, or fail with the {@link VmmException} of an unmapped address. Guest RAM is 64 KiB of
 * bounds-checked native memory at guest-physical 0. A guest chooses all of this through the port,
 * string and MMIO instructions it runs and the registers and page tables behind them.
 *
 * <p>{@link BhyveExit#decode()} and the accessors valid for the kind it reports throw nothing, within
 * 2 s and no allocation at all (decoding promises no allocation). The kind is
 * one the class documents; an I/O exit has a size of 1, 2 or 4, a 16-bit port and 0 to {@link
 * BhyveExit#MAX_STRING_COUNT} accesses (exactly one unless it is a string instruction), data masked to
 * its size; an MMIO exit has a size of 1, 2, 4 or 8 and the record's address; an internal error one of
 * the two documented suberrors. Then the accesses and the completion run (second check, 4 MiB and
 * {@link VmmException} allowed: a string I/O element that is unmapped or outside guest RAM; up to
 * {@code MAX_STRING_COUNT} elements): an IN's value lands in the low bytes of EAX with RAX's upper half
 * cleared, a REP count register is left with the accesses not yet done, and only GPRs and RIP are
 * written. Seeds: the records gcc lays out from FreeBSD's headers (those {@code CompiledAbi.exits()}
 * gives {@code BhyveExitDecodingTest}), each with the registers and a translation ({@code
 * BhyveExitFuzzTestInputs/exit}, remade by {@code bindings-freebsd/src/test/fuzz/make-seeds}).
 */
class BhyveExitFuzzTest {
    /**
     * Decoding allocates nothing ({@link FuzzCheck#allocatingNothing}) and documents no exception; FuzzCheck
     * needs a type, and the target fails if even that one is thrown.
     */
    private static final FuzzCheck DECODE =
            FuzzCheck.allocatingNothing(Duration.ofSeconds(2), IllegalStateException.class);

    private static final FuzzCheck COMPLETE = FuzzCheck.of(Duration.ofSeconds(2), 4L << 20, VmmException.class);

    private static final Set<ExitKind> KINDS = EnumSet.of(
            ExitKind.IO_IN,
            ExitKind.IO_OUT,
            ExitKind.MMIO_READ,
            ExitKind.MMIO_WRITE,
            ExitKind.INTERNAL_ERROR,
            ExitKind.HLT,
            ExitKind.SUSPENDED,
            ExitKind.DEBUG,
            ExitKind.BOGUS,
            ExitKind.FAIL_ENTRY,
            ExitKind.UNKNOWN);
    /** The GPRs in x86 encoding order, then RIP: what a guest sets and an exit may write. */
    static final int[] GUEST_REGISTERS = {
        VM_REG_GUEST_RAX,
        VM_REG_GUEST_RCX,
        VM_REG_GUEST_RDX,
        VM_REG_GUEST_RBX,
        VM_REG_GUEST_RSP,
        VM_REG_GUEST_RBP,
        VM_REG_GUEST_RSI,
        VM_REG_GUEST_RDI,
        VM_REG_GUEST_R8,
        VM_REG_GUEST_R9,
        VM_REG_GUEST_R10,
        VM_REG_GUEST_R11,
        VM_REG_GUEST_R12,
        VM_REG_GUEST_R13,
        VM_REG_GUEST_R14,
        VM_REG_GUEST_R15,
        VM_REG_GUEST_RIP
    };

    private static final NativeMemory BUFFER = NativeAccess.get().allocate(VM_EXIT_SIZE);
    private static final NativeGuestMemory RAM =
            new NativeGuestMemory(0, NativeAccess.get().allocate(0x10000), false, false, 0);
    private static final StandIn VCPU = new StandIn();
    private static final BhyveExit EXIT = new BhyveExit(BUFFER, VCPU);

    @FuzzTest
    void exit(FuzzedDataProvider data) {
        Arrays.fill(VCPU.regs, 0);
        for (int r : GUEST_REGISTERS) {
            VCPU.regs[r] = data.consumeLong();
        }
        VCPU.translation = data.consumeInt(0, 2);
        VCPU.delta = data.consumeLong(-0x20000, 0x20000);
        byte[] record = Arrays.copyOf(data.consumeRemainingAsBytes(), VM_EXIT_SIZE);
        BUFFER.put(0, record, 0, VM_EXIT_SIZE);
        RAM.fill(0, RAM.size(), (byte) 0);
        long[] before = VCPU.regs.clone();
        String name = "vm_exit " + HexFormat.of().formatHex(record) + ", translation " + VCPU.translation;
        FuzzCheck.Target decode = () -> {
            EXIT.decode();
            checkDecoded(EXIT);
        };
        Exception thrown = DECODE.run(name, decode);
        assertNull(thrown, "decoding throws nothing");
        COMPLETE.run(name, () -> {
            ExitKind kind = EXIT.kind();
            if (kind == ExitKind.IO_IN) {
                for (int i = 0; i < EXIT.ioCount(); i++) {
                    EXIT.setIoData(i, 0x5a5a_5a5a_5a5a_5a5aL + i);
                }
            } else if (kind == ExitKind.IO_OUT) {
                for (int i = 0; i < EXIT.ioCount(); i++) {
                    long value = EXIT.ioData(i);
                    assertEquals(0, value & ~BhyveExitFuzzTest.mask(EXIT.ioSize()), "data masked to the size");
                }
            } else if (kind == ExitKind.MMIO_READ) {
                EXIT.setMmioData(-1L);
            }
            EXIT.complete();
            checkCompleted(EXIT, record, before);
        });
    }

    private static void checkDecoded(BhyveExit e) {
        ExitKind kind = e.kind();
        assertTrue(KINDS.contains(kind), "a documented kind");
        int raw = BUFFER.getInt(VM_EXIT_EXITCODE);
        assertEquals(raw, e.rawReason(), "rawReason()");
        if (kind == ExitKind.IO_IN || kind == ExitKind.IO_OUT) {
            int size = e.ioSize();
            assertTrue(size == 1 || size == 2 || size == 4, "I/O size 1, 2 or 4");
            assertTrue(e.ioPort() >= 0 && e.ioPort() <= 0xffff, "a 16-bit port");
            int count = e.ioCount();
            assertTrue(count >= 0 && count <= BhyveExit.MAX_STRING_COUNT, "0 to MAX_STRING_COUNT accesses");
            assertTrue(e.isStringIo() || count == 1, "one access unless a string instruction");
            if (!e.isStringIo()) {
                assertEquals(0, e.ioData(0) & ~mask(size), "data masked to the size");
            }
        } else if (kind == ExitKind.MMIO_READ || kind == ExitKind.MMIO_WRITE) {
            int size = e.mmioSize();
            assertTrue(size == 1 || size == 2 || size == 4 || size == 8, "MMIO size 1, 2, 4 or 8");
            assertEquals(BUFFER.getLong(VM_EXIT_INST_EMUL_GPA), e.mmioAddress(), "the record's address");
            if (kind == ExitKind.MMIO_WRITE) {
                assertEquals(0, e.mmioData() & ~mask(size), "write data masked to the size");
            }
        } else if (kind == ExitKind.INTERNAL_ERROR) {
            int sub = e.internalErrorSuberror();
            assertTrue(
                    sub == BhyveExit.SUBERROR_NOT_DECODED || sub == BhyveExit.SUBERROR_UNSUPPORTED_INSTRUCTION,
                    "a documented suberror");
        } else if (kind == ExitKind.DEBUG) {
            assertTrue(e.debugException() == 1 || e.debugException() == 3, "#DB or #BP");
        } else if (kind == ExitKind.SUSPENDED) {
            assertTrue(e.suspendReason() != null, "a suspend reason");
        } else if (kind == ExitKind.FAIL_ENTRY) {
            e.failureReason();
        }
    }

    private static void checkCompleted(BhyveExit e, byte[] record, long[] before) {
        long[] regs = VCPU.regs;
        for (int r = 0; r < regs.length; r++) {
            if (regs[r] != before[r]) {
                boolean guestRegister = false;
                for (int g : GUEST_REGISTERS) {
                    guestRegister |= g == r;
                }
                assertTrue(guestRegister, "completion wrote register " + r + ", not a GPR or RIP");
            }
        }
        if (e.kind() == ExitKind.IO_IN && !e.isStringIo()) {
            long eax = BUFFER.getUnsignedInt(VM_EXIT_INOUT_EAX);
            long mask = mask(e.ioSize());
            assertEquals((eax & ~mask) | (0x5a5a_5a5a_5a5a_5a5aL & mask), regs[VM_REG_GUEST_RAX], "IN lands in EAX");
        }
        if ((e.kind() == ExitKind.IO_IN || e.kind() == ExitKind.IO_OUT) && e.isStringIo()) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(record).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int addrsize = b.getInt(VM_EXIT_INOUT_STR_ADDRSIZE);
            long addressMask = addrsize == 8 ? -1L : addrsize == 4 ? 0xffff_ffffL : 0xffffL;
            boolean rep = (b.getShort(VM_EXIT_INOUT_BITS) & (1 << VM_INOUT_REP_SHIFT)) != 0;
            if (rep) {
                long total = b.getLong(VM_EXIT_INOUT_STR_COUNT) & addressMask;
                assertEquals(total - e.ioCount(), regs[VM_REG_GUEST_RCX] & addressMask, "RCX: the accesses left to do");
            }
        }
    }

    static long mask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    /** Registers in an array; translation as the fuzzer chose; RAM at 0. */
    private static final class StandIn implements VcpuAccess {
        final long[] regs = new long[VM_REG_LAST];
        int translation;
        long delta;

        @Override
        public long getRegister(int r) {
            return regs[r];
        }

        @Override
        public void setRegister(int r, long value) {
            regs[r] = value;
        }

        @Override
        public long translate(long gla, NativeMemory exit, long pagingOffset, boolean write) {
            return switch (translation) {
                case 0 -> gla;
                case 1 -> gla + delta;
                default -> throw new VmmException(String.format("guest linear address 0x%x is not mapped", gla));
            };
        }

        @Override
        public GuestMemory regionAt(long gpa) {
            return RAM.contains(gpa) ? RAM : null;
        }
    }
}
