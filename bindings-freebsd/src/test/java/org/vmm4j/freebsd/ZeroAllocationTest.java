package org.vmm4j.freebsd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.freebsd.abi.CompiledAbi;
import org.vmm4j.freebsd.abi.VmmDev;
import org.vmm4j.internal.nat.NativeAccess;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.testsupport.RequiresHost;

/** The hot paths allocate nothing once warm: exit decoding and stats polling. */
class ZeroAllocationTest {
    private static final int ROUNDS = 20_000;

    private static com.sun.management.ThreadMXBean threads() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter in this JVM");
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(t.isThreadAllocatedMemorySupported(), "per-thread allocation counting unsupported");
        t.setThreadAllocatedMemoryEnabled(true);
        return t;
    }

    private static long allocatedBy(com.sun.management.ThreadMXBean t, Runnable body) {
        for (int i = 0; i < ROUNDS; i++) {
            body.run(); // warm up: interpreter and JIT
        }
        long id = Thread.currentThread().getId();
        long before = t.getThreadAllocatedBytes(id);
        for (int i = 0; i < ROUNDS; i++) {
            body.run();
        }
        return t.getThreadAllocatedBytes(id) - before;
    }

    @Test
    @RequiresHost(tools = "gcc", files = RequiresHost.LIBC_HEADERS)
    void decodingExitsAllocatesNothing() {
        com.sun.management.ThreadMXBean t = threads();
        Map<String, byte[]> records = CompiledAbi.exits();
        try (NativeMemory a = NativeAccess.get().allocate(VmmDev.VM_EXIT_SIZE);
                NativeMemory b = NativeAccess.get().allocate(VmmDev.VM_EXIT_SIZE);
                NativeMemory c = NativeAccess.get().allocate(VmmDev.VM_EXIT_SIZE)) {
            a.put(0, records.get("outb_3f8_A"), 0, VmmDev.VM_EXIT_SIZE);
            b.put(0, records.get("mov_ecx_to_mem"), 0, VmmDev.VM_EXIT_SIZE);
            c.put(0, records.get("hlt"), 0, VmmDev.VM_EXIT_SIZE);
            VcpuAccess regs = new VcpuAccess() {
                @Override
                public long getRegister(int r) {
                    return 7;
                }

                @Override
                public void setRegister(int r, long v) {}

                @Override
                public long translate(long gla, NativeMemory e, long off, boolean w) {
                    return gla;
                }

                @Override
                public GuestMemory regionAt(long gpa) {
                    return null;
                }
            };
            BhyveExit ea = new BhyveExit(a, regs);
            BhyveExit eb = new BhyveExit(b, regs);
            BhyveExit ec = new BhyveExit(c, regs);
            long[] sink = new long[1];
            long bytes = allocatedBy(t, () -> {
                ea.decode();
                sink[0] += ea.ioData(0) + ea.ioPort();
                eb.decode();
                sink[0] += eb.mmioData() + eb.mmioAddress();
                ec.decode();
                sink[0] += ec.kind() == ExitKind.HLT ? 1 : 0;
            });
            assertEquals(ROUNDS * 2L * ('A' + 0x3f8 + 7 + 0xd0000010L + 1), sink[0], "the loop did its work");
            assertTrue(bytes < 1024, ROUNDS + " decodes allocated " + bytes + " bytes");
        }
    }

    @Test
    void pollingStatsAllocatesNothing() {
        com.sun.management.ThreadMXBean t = threads();
        ScriptedVmmKernel kernel = new ScriptedVmmKernel();
        try (BhyveVm vm = new BhyveHypervisor(kernel, "alloc").createVm()) {
            BhyveVcpu cpu = (BhyveVcpu) vm.createVcpu(0);
            try (BhyveStats stats = cpu.stats()) {
                long[] sink = new long[1];
                long bytes = allocatedBy(t, () -> sink[0] += stats.poll().value(1));
                assertEquals(2L * ROUNDS * 4, sink[0]);
                assertTrue(bytes < 1024, ROUNDS + " polls allocated " + bytes + " bytes");
            }
        }
    }
}
