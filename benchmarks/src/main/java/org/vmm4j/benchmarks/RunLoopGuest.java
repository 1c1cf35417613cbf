package org.vmm4j.benchmarks;

import org.vmm4j.ExitKind;
import org.vmm4j.GuestMemory;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.VmExit;
import org.vmm4j.internal.nat.CType;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.linux.KvmSystem;
import org.vmm4j.linux.KvmVcpu;
import org.vmm4j.linux.KvmVm;
import org.vmm4j.linux.abi.KvmHeader;

/**
 * The run-loop benchmarks' guest: one real-mode vCPU looping on one exiting instruction, and the two
 * loops that drive it, {@link #javaExits} (vmm4j's {@code run()} plus decode) and {@link #cExits} (the
 * same loop in {@code kvm_baseline.c}). Both run on this vCPU, on the calling thread, with the same
 * signal mask, and both return the sum of the decoded exit values, so a caller can check that they
 * did the same work.
 */
final class RunLoopGuest implements AutoCloseable {
    /** The exiting instructions, at guest address 0x1000: al = 7 from the register setup. */
    enum Exit {
        /** {@code l: mov dx, 0xe9; out dx, al; jmp l}: KVM_EXIT_IO, one byte, value 7. */
        PIO(ExitKind.IO_OUT, 7, new byte[] {(byte) 0xba, (byte) 0xe9, 0x00, (byte) 0xee, (byte) 0xeb, (byte) 0xfd}),
        /** {@code l: mov [0x8000], al; jmp l}, 0x8000 unbacked: KVM_EXIT_MMIO, one byte, value 7. */
        MMIO(ExitKind.MMIO_WRITE, 7, new byte[] {(byte) 0xa2, 0x00, (byte) 0x80, (byte) 0xeb, (byte) 0xfb}),
        /** {@code l: hlt; jmp l} without an in-kernel irqchip: KVM_EXIT_HLT, decoded as its reason. */
        HLT(ExitKind.HLT, KvmHeader.KVM_EXIT_HLT, new byte[] {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd});

        final ExitKind kind;
        /** What both loops add to their sum for one exit. */
        final long value;

        @SuppressWarnings("ImmutableEnumChecker") // copied into guest memory, never written
        final byte[] code;

        Exit(ExitKind kind, long value, byte[] code) {
            this.kind = kind;
            this.value = value;
            this.code = code;
        }

        static Exit of(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Exits per C call, and per Java loop: the unit both sides are timed in. */
    static final int BATCH = 1000;

    final Exit exit;
    private final KvmSystem kvm;
    private final KvmVm vm;
    private final KvmVcpu cpu;
    private final NativeFunction cLoop;
    private final NativeFunction cRelease;

    /**
     * Creates the VM and runs the first exit through vmm4j on this thread, which binds the vCPU's kick
     * (its signal mask) to the thread: every later run, Java or C, must happen on this thread.
     */
    RunLoopGuest(Exit exit) {
        this.exit = exit;
        kvm = KvmSystem.open();
        vm = kvm.createVm();
        GuestMemory mem = vm.allocateMemory(0x1000, 0x1000);
        mem.write(0, exit.code);
        cpu = vm.createVcpu(0);
        cpu.setSpecialRegisters(cpu.specialRegisters().toBuilder()
                .cs(Segment.realMode(0, true))
                .dataSegments(Segment.realMode(0, false))
                .build());
        cpu.setRegisters(Registers.builder().rip(0x1000).rax(7).build());
        cLoop = CBaseline.function("vmm4j_c_run_exits", CType.LONG, CType.INT, CType.LONG, CType.LONG);
        cRelease = CBaseline.function("vmm4j_c_release", CType.VOID, CType.INT, CType.LONG);
        VmExit first = cpu.run();
        if (first.kind() != exit.kind) {
            throw new IllegalStateException("guest exited with " + first + ", expected " + exit.kind);
        }
    }

    /** {@code n} exits through vmm4j: run() and decode. Returns the sum of the decoded values. */
    long javaExits(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            VmExit e = cpu.run();
            sum += switch (e.kind()) {
                case IO_OUT -> e.ioData(0);
                case MMIO_WRITE -> e.mmioData();
                default -> e.rawReason();
            };
        }
        return sum;
    }

    /** {@code n} exits through the C loop, in one call. Returns the sum of the decoded values. */
    long cExits(int n) {
        long r = cLoop.call(cpu.fd(), n, kvm.vcpuMmapSize());
        if (r < 0) {
            throw new IllegalStateException("C loop failed: " + r);
        }
        return r;
    }

    @Override
    public void close() {
        cRelease.call(cpu.fd(), kvm.vcpuMmapSize());
        vm.close();
        kvm.close();
    }
}
