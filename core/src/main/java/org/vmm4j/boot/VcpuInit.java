package org.vmm4j.boot;

import java.util.List;

/**
 * What a vCPU needs at boot besides its registers, as plain values a backend writes with its own
 * calls: the MSRs, the FPU/SSE control words, and the local APIC's LINT0/LINT1 delivery modes
 * (LINT0 receives the 8259 PIC's interrupts as ExtINT, LINT1 is NMI: the virtual-wire mode the MP
 * table announces).
 */
public final class VcpuInit {

    /** One model-specific register and its boot value. */
    public record Msr(int index, long value) {}

    public static final int MSR_IA32_TSC = 0x10;
    public static final int MSR_IA32_SYSENTER_CS = 0x174;
    public static final int MSR_IA32_SYSENTER_ESP = 0x175;
    public static final int MSR_IA32_SYSENTER_EIP = 0x176;
    public static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    public static final int MSR_MTRR_DEF_TYPE = 0x2ff;
    public static final int MSR_STAR = 0xc000_0081;
    public static final int MSR_LSTAR = 0xc000_0082;
    public static final int MSR_CSTAR = 0xc000_0083;
    public static final int MSR_SYSCALL_MASK = 0xc000_0084;
    public static final int MSR_KERNEL_GS_BASE = 0xc000_0102;

    /** IA32_MISC_ENABLE bit 0: fast string operations. */
    public static final long MISC_ENABLE_FAST_STRING = 1;
    /** MTRRdefType: MTRRs enabled (bit 11), default type write-back (6). */
    public static final long MTRR_ENABLE_WRITE_BACK = (1L << 11) | 6;

    /** x87 control word after FNINIT: all exceptions masked, 64-bit precision, round to nearest. */
    public static final int FPU_CONTROL_WORD = 0x37f;
    /** MXCSR at reset: all SSE exceptions masked. */
    public static final int MXCSR = 0x1f80;

    /** Offsets of the LVT LINT0/LINT1 registers in the local APIC register page (KVM's kvm_lapic_state too). */
    public static final int APIC_LVT_LINT0 = 0x350;

    public static final int APIC_LVT_LINT1 = 0x360;
    public static final int DELIVERY_MODE_NMI = 0b100;
    public static final int DELIVERY_MODE_EXTINT = 0b111;

    private VcpuInit() {}

    /** The MSRs to set on every vCPU before it runs: syscall and sysenter state cleared, TSC 0, fast strings, write-back MTRRs. */
    public static List<Msr> bootMsrs() {
        return List.of(
                new Msr(MSR_IA32_SYSENTER_CS, 0),
                new Msr(MSR_IA32_SYSENTER_ESP, 0),
                new Msr(MSR_IA32_SYSENTER_EIP, 0),
                new Msr(MSR_STAR, 0),
                new Msr(MSR_CSTAR, 0),
                new Msr(MSR_KERNEL_GS_BASE, 0),
                new Msr(MSR_SYSCALL_MASK, 0),
                new Msr(MSR_LSTAR, 0),
                new Msr(MSR_IA32_TSC, 0),
                new Msr(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
                new Msr(MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WRITE_BACK));
    }

    /**
     * Sets LINT0 to ExtINT and LINT1 to NMI in a local APIC register page (e.g. the 1,024 bytes of
     * KVM_GET_LAPIC), keeping the other bits of both registers.
     */
    public static void configureLint(byte[] apicRegisters) {
        if (apicRegisters.length < APIC_LVT_LINT1 + 4) {
            throw new IllegalArgumentException(
                    "local APIC register page too short: " + apicRegisters.length + " bytes");
        }
        setDeliveryMode(apicRegisters, APIC_LVT_LINT0, DELIVERY_MODE_EXTINT);
        setDeliveryMode(apicRegisters, APIC_LVT_LINT1, DELIVERY_MODE_NMI);
    }

    /** Replaces bits 10:8 (delivery mode) of the little-endian 32-bit register at {@code offset}. */
    static void setDeliveryMode(byte[] regs, int offset, int mode) {
        int v = (regs[offset] & 0xff)
                | (regs[offset + 1] & 0xff) << 8
                | (regs[offset + 2] & 0xff) << 16
                | (regs[offset + 3] & 0xff) << 24;
        v = (v & ~0x700) | (mode << 8);
        regs[offset] = (byte) v;
        regs[offset + 1] = (byte) (v >>> 8);
        regs[offset + 2] = (byte) (v >>> 16);
        regs[offset + 3] = (byte) (v >>> 24);
    }
}
