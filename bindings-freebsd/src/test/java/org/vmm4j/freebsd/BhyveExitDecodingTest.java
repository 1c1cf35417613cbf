package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmm4j.freebsd.abi.Vmm.*;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.SuspendReason;
import org.vmm4j.freebsd.abi.CompiledAbi;
import org.vmm4j.freebsd.abi.VmmDev;
import org.vmm4j.internal.NativeGuestMemory;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.testsupport.RequiresHost;

/** Decoding of vm_exit records laid out by the C compiler exactly as vmm.ko fills them. */
@RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
class BhyveExitDecodingTest {
    private static final Map<String, byte[]> RECORDS = CompiledAbi.exits();

    private NativeMemory buffer;
    private NativeGuestMemory ram;
    private final long[] regs = new long[VM_REG_LAST];
    private BhyveExit exit;
    private final java.util.List<String> translations = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() {
        buffer = NativeAccess.get().allocate(VmmDev.VM_EXIT_SIZE);
        ram = new NativeGuestMemory(0, NativeAccess.get().allocate(0x10000), false, false, 0);
        exit = new BhyveExit(buffer, new VcpuAccess() {
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
                translations.add(String.format("0x%x cr3=0x%x %s", gla, exit.getLong(pagingOffset), write ? "w" : "r"));
                return 0x3000 + (gla - 0xffff800000001000L); // the guest maps its kernel page 0x...1000 at 0x3000
            }

            @Override
            public GuestMemory regionAt(long gpa) {
                return ram.contains(gpa) ? ram : null;
            }
        });
    }

    @AfterEach
    void tearDown() {
        buffer.close();
        ram.memory().close();
    }

    private BhyveExit decode(String record) {
        byte[] bytes = RECORDS.get(record);
        buffer.put(0, bytes, 0, bytes.length);
        exit.decode();
        return exit;
    }

    @Test
    void outbReportsPortSizeAndTheByteWritten() {
        BhyveExit e = decode("outb_3f8_A");
        assertEquals(ExitKind.IO_OUT, e.kind());
        assertEquals(0x3f8, e.ioPort());
        assertEquals(1, e.ioSize());
        assertEquals(1, e.ioCount());
        assertEquals('A', e.ioData(0));
        assertFalse(e.isStringIo());
        assertEquals(0x1000, e.rip());
    }

    @Test
    void inwMergesTheReplyIntoTheLowWordOfEax() {
        BhyveExit e = decode("inw_60");
        assertEquals(ExitKind.IO_IN, e.kind());
        assertEquals(0x60, e.ioPort());
        assertEquals(2, e.ioSize());
        e.setIoData(0, 0xbeef);
        e.complete();
        assertEquals(0xdeadbeefL, regs[VM_REG_GUEST_RAX]);
    }

    @Test
    void repOutsbReadsEveryByteFromTheSegmentAndAdvancesRsiAndRcx() {
        // DS base 0x100, RSI 0x2000: the bytes live at guest-physical 0x2100.
        ram.write(0x2100, "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        regs[VM_REG_GUEST_RSI] = 0x2000;
        regs[VM_REG_GUEST_RCX] = 5;
        BhyveExit e = decode("rep_outsb_3f8_5");
        assertEquals(ExitKind.IO_OUT, e.kind());
        assertTrue(e.isStringIo());
        assertEquals(5, e.ioCount());
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < e.ioCount(); i++) {
            text.append((char) e.ioData(i));
        }
        assertEquals("hello", text.toString());
        e.complete();
        assertEquals(0x2005, regs[VM_REG_GUEST_RSI]);
        assertEquals(0, regs[VM_REG_GUEST_RCX]);
    }

    @Test
    void repInswWithPagingTranslatesEachElementAndWritesGuestMemory() {
        regs[VM_REG_GUEST_RDI] = 0xffff800000001000L;
        regs[VM_REG_GUEST_RCX] = 3;
        BhyveExit e = decode("rep_insw_1f0_3_paged");
        assertEquals(ExitKind.IO_IN, e.kind());
        assertEquals(0x1f0, e.ioPort());
        assertEquals(2, e.ioSize());
        assertEquals(3, e.ioCount());
        for (int i = 0; i < 3; i++) {
            e.setIoData(i, 0xa000 + i);
        }
        e.complete();
        // 64-bit mode ignores the ES base; every element goes through the guest's page tables (cr3 0x5000).
        assertEquals(
                java.util.List.of(
                        "0xffff800000001000 cr3=0x5000 w",
                        "0xffff800000001002 cr3=0x5000 w",
                        "0xffff800000001004 cr3=0x5000 w"),
                translations);
        assertEquals((short) 0xa000, ram.getShort(0x3000));
        assertEquals((short) 0xa002, ram.getShort(0x3004));
        assertEquals(0xffff800000001006L, regs[VM_REG_GUEST_RDI]);
        assertEquals(0, regs[VM_REG_GUEST_RCX]);
    }

    @Test
    void mmioWriteTakesTheSourceRegisterFromModrmReg() {
        regs[VM_REG_GUEST_RCX] = 0x1122_3344_5566_7788L;
        BhyveExit e = decode("mov_ecx_to_mem");
        assertEquals(ExitKind.MMIO_WRITE, e.kind());
        assertEquals(0xd0000010L, e.mmioAddress());
        assertEquals(4, e.mmioSize());
        assertEquals(0x5566_7788L, e.mmioData());
    }

    @Test
    void mmioReadWritesTheReplyIntoTheRexExtendedRegister() {
        regs[VM_REG_GUEST_R9] = -1;
        BhyveExit e = decode("mov_mem_to_r9");
        assertEquals(ExitKind.MMIO_READ, e.kind());
        assertEquals(0xd0000020L, e.mmioAddress());
        assertEquals(8, e.mmioSize());
        e.setMmioData(0x0123_4567_89ab_cdefL);
        e.complete();
        assertEquals(0x0123_4567_89ab_cdefL, regs[VM_REG_GUEST_R9]);
        assertEquals(0, regs[VM_REG_GUEST_RCX], "reg 1 without REX.R would be RCX");
    }

    @Test
    void mmioImmediateStoreReportsTheImmediate() {
        BhyveExit e = decode("movb_imm_to_mem");
        assertEquals(ExitKind.MMIO_WRITE, e.kind());
        assertEquals(1, e.mmioSize());
        assertEquals(0x7f, e.mmioData());
    }

    @Test
    void undecodedInstructionIsAnInternalError() {
        BhyveExit e = decode("undecoded_inst_emul");
        assertEquals(ExitKind.INTERNAL_ERROR, e.kind());
        assertEquals(BhyveExit.SUBERROR_NOT_DECODED, e.internalErrorSuberror());
        assertEquals(0xd0000040L, e.mmioAddress());
    }

    @Test
    void hltSuspendedBogusAndDebugExitsMapToTheirKinds() {
        assertEquals(ExitKind.HLT, decode("hlt").kind());
        BhyveExit s = decode("suspended_poweroff");
        assertEquals(ExitKind.SUSPENDED, s.kind());
        assertEquals(VM_SUSPEND_POWEROFF, s.suspendHow());
        assertEquals(SuspendReason.POWER_OFF, s.suspendReason());
        assertEquals(VM_SUSPEND_TRIPLEFAULT, decode("suspended_triplefault").suspendHow());
        assertEquals(SuspendReason.TRIPLE_FAULT, decode("suspended_triplefault").suspendReason());
        assertEquals(ExitKind.BOGUS, decode("bogus").kind());
        BhyveExit step = decode("mtrap");
        assertEquals(ExitKind.DEBUG, step.kind());
        assertEquals(1, step.debugException());
        assertEquals(0x1040, step.debugPc());
        assertEquals(3, decode("bpt").debugException());
    }

    @Test
    void vmxExitIsAnEntryFailureWithTheHardwareReason() {
        BhyveExit e = decode("vmx_entry_failure");
        assertEquals(ExitKind.FAIL_ENTRY, e.kind());
        assertEquals(33, e.failureReason());
    }

    @Test
    void msrAndUnknownCodesAreUnknownWithTheRawCode() {
        BhyveExit msr = decode("rdmsr");
        assertEquals(ExitKind.UNKNOWN, msr.kind());
        assertEquals(VM_EXITCODE_RDMSR, msr.rawReason());
        BhyveExit future = decode("from_the_future");
        assertEquals(ExitKind.UNKNOWN, future.kind());
        assertEquals(VM_EXITCODE_MAX + 7, future.rawReason());
    }

    @Test
    void rdmsrAnswerLandsInEdxEaxAndWrmsrCarriesTheValue() {
        BhyveExit rd = decode("rdmsr");
        assertEquals(0xc0000080L, rd.msrIndex());
        rd.setMsrReadValue(0x0000_0001_0000_0d01L);
        rd.complete();
        assertEquals(0xd01, regs[VM_REG_GUEST_RAX]);
        assertEquals(1, regs[VM_REG_GUEST_RDX]);
        BhyveExit wr = decode("wrmsr_pat");
        assertEquals(0x277, wr.msrIndex());
        assertEquals(0x0007040600070406L, wr.msrWriteValue());
        assertThrows(IllegalStateException.class, () -> wr.setMsrReadValue(0));
    }

    @Test
    void spinupApReportsTheVcpuAndItsStart() {
        BhyveExit e = decode("spinup_ap_3");
        assertEquals(ExitKind.UNKNOWN, e.kind());
        assertEquals(3, e.spinupVcpu());
        assertEquals(0x9f000, e.spinupRip());
    }

    @Test
    void accessorsOfAnotherKindThrow() {
        BhyveExit e = decode("hlt");
        assertThrows(IllegalStateException.class, e::ioPort);
        assertThrows(IllegalStateException.class, e::mmioAddress);
        assertThrows(IllegalStateException.class, () -> decode("outb_3f8_A").setIoData(0, 1));
    }
}
