package org.vmm4j.openbsd;

import static org.vmm4j.openbsd.abi.VmmVar.*;

import org.vmm4j.DescriptorTable;
import org.vmm4j.Registers;
import org.vmm4j.Segment;
import org.vmm4j.SpecialRegisters;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.openbsd.abi.CStruct;
import org.vmm4j.openbsd.abi.VmmAbi;

/**
 * Converts between the neutral register records and a {@code struct vcpu_reg_state} at some offset of
 * a buffer (inside {@code vm_rwregs_params}, {@code vm_resetcpu_params} or {@code vm_exit}), using the
 * release's register index order. Segment access rights use the VMX layout vmm(4) takes in
 * {@code vsi_ar}: type 0-3, S 4, DPL 5-6, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16.
 */
final class RegisterState {
    static final int AR_UNUSABLE = 1 << 16;

    private final VmmAbi abi;
    private final long gprs;
    private final long crs;
    private final long msrs;
    private final long sregs;
    private final long gdtr;
    private final long idtr;
    private final long segmentSize;

    RegisterState(VmmAbi abi) {
        this.abi = abi;
        CStruct s = abi.vcpuRegState;
        gprs = s.offset("vrs_gprs");
        crs = s.offset("vrs_crs");
        msrs = s.offset("vrs_msrs");
        sregs = s.offset("vrs_sregs");
        gdtr = s.offset("vrs_gdtr");
        idtr = s.offset("vrs_idtr");
        segmentSize = abi.vcpuSegmentInfo.size();
    }

    long gprOffset(int vcpuRegsIndex) {
        return gprs + 8L * vcpuRegsIndex;
    }

    Registers readGprs(NativeMemory m, long base) {
        long[] v = new long[VCPU_REGS_NGPRS];
        for (int i = 0; i < v.length; i++) {
            v[i] = m.getLong(base + gprs + 8L * abi.gprIndex(i));
        }
        return Registers.of(v);
    }

    void writeGprs(NativeMemory m, long base, Registers r) {
        long[] v = r.toArray();
        for (int i = 0; i < v.length; i++) {
            m.putLong(base + gprs + 8L * abi.gprIndex(i), v[i]);
        }
    }

    SpecialRegisters readSpecial(NativeMemory m, long base) {
        Segment[] seg = new Segment[VCPU_REGS_NSREGS];
        for (int i = 0; i < seg.length; i++) {
            seg[i] = readSegment(m, base + sregs + segmentSize * abi.sregIndex(i));
        }
        return new SpecialRegisters(
                seg[0],
                seg[1],
                seg[2],
                seg[3],
                seg[4],
                seg[5],
                seg[7],
                seg[6],
                readTable(m, base + gdtr),
                readTable(m, base + idtr),
                m.getLong(base + crs + 8L * VCPU_REGS_CR0),
                m.getLong(base + crs + 8L * VCPU_REGS_CR2),
                m.getLong(base + crs + 8L * VCPU_REGS_CR3),
                m.getLong(base + crs + 8L * VCPU_REGS_CR4),
                m.getLong(base + crs + 8L * VCPU_REGS_CR8),
                m.getLong(base + msrs + 8L * VCPU_REGS_EFER),
                0);
    }

    /** Writes segments, descriptor tables, CRs and EFER; other MSRs, XCR0 and the PDPTEs keep their values. */
    void writeSpecial(NativeMemory m, long base, SpecialRegisters r) {
        Segment[] seg = {r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.ldt(), r.tr()};
        for (int i = 0; i < seg.length; i++) {
            writeSegment(m, base + sregs + segmentSize * abi.sregIndex(i), seg[i]);
        }
        writeTable(m, base + gdtr, r.gdt());
        writeTable(m, base + idtr, r.idt());
        m.putLong(base + crs + 8L * VCPU_REGS_CR0, r.cr0());
        m.putLong(base + crs + 8L * VCPU_REGS_CR2, r.cr2());
        m.putLong(base + crs + 8L * VCPU_REGS_CR3, r.cr3());
        m.putLong(base + crs + 8L * VCPU_REGS_CR4, r.cr4());
        m.putLong(base + crs + 8L * VCPU_REGS_CR8, r.cr8());
        m.putLong(base + msrs + 8L * VCPU_REGS_EFER, r.efer());
    }

    /**
     * Fills a {@code vcpu_reg_state} with the x86 power-on state vmd gives a BIOS-booted vCPU
     * ({@code vcpu_init_flat16} in vmd): real mode at F000:FFF0, CR0 0x60000010, RFLAGS 0x2,
     * DR6 0xFFFF0FF0, DR7 0x400, XCR0 x87.
     */
    void writePowerOn(NativeMemory m, long base) {
        CStruct s = abi.vcpuRegState;
        m.fill(base, s.size(), (byte) 0);
        m.putLong(base + gprs + 8L * VCPU_REGS_RFLAGS, 0x2);
        m.putLong(base + gprs + 8L * VCPU_REGS_RIP, 0xFFF0);
        m.putLong(base + crs + 8L * VCPU_REGS_CR0, 0x60000010L);
        m.putLong(base + crs + 8L * VCPU_REGS_XCR0, 0x1);
        long drs = base + s.offset("vrs_drs");
        m.putLong(drs + 8L * 4, 0xFFFF0FF0L); // DR6
        m.putLong(drs + 8L * 5, 0x400); // DR7
        for (int i = 0; i < VCPU_REGS_NSREGS; i++) {
            long at = base + sregs + segmentSize * abi.sregIndex(i);
            boolean cs = i == 0;
            int ar = i == 6 ? 0x82 : i == 7 ? 0x8B : cs ? 0x809F : 0x8093;
            rawSegment(m, at, cs ? 0xF000 : 0, 0xFFFF, ar, cs ? 0xF0000 : 0);
        }
        rawSegment(m, base + gdtr, 0, 0xFFFF, 0, 0);
        rawSegment(m, base + idtr, 0, 0xFFFF, 0, 0);
    }

    private static void rawSegment(NativeMemory m, long at, int sel, int limit, int ar, long segmentBase) {
        m.putShort(at, (short) sel);
        m.putInt(at + 4, limit);
        m.putInt(at + 8, ar);
        m.putLong(at + 16, segmentBase);
    }

    static Segment readSegment(NativeMemory m, long at) {
        int sel = m.getUnsignedShort(at);
        int limit = m.getInt(at + 4);
        int ar = m.getInt(at + 8);
        long base = m.getLong(at + 16);
        return new Segment(
                base,
                limit,
                sel,
                ar & 0xf,
                (ar & 0x80) != 0,
                (ar >> 5) & 3,
                (ar & 0x4000) != 0,
                (ar & 0x10) != 0,
                (ar & 0x2000) != 0,
                (ar & 0x8000) != 0,
                (ar & 0x1000) != 0,
                (ar & AR_UNUSABLE) != 0);
    }

    static void writeSegment(NativeMemory m, long at, Segment s) {
        m.putShort(at, (short) s.selector());
        m.putInt(at + 4, s.limit());
        m.putInt(at + 8, accessRights(s));
        m.putLong(at + 16, s.base());
    }

    static int accessRights(Segment s) {
        int ar = s.type() & 0xf;
        ar |= s.s() ? 0x10 : 0;
        ar |= (s.dpl() & 3) << 5;
        ar |= s.present() ? 0x80 : 0;
        ar |= s.avl() ? 0x1000 : 0;
        ar |= s.l() ? 0x2000 : 0;
        ar |= s.db() ? 0x4000 : 0;
        ar |= s.g() ? 0x8000 : 0;
        ar |= s.unusable() ? AR_UNUSABLE : 0;
        return ar;
    }

    private static DescriptorTable readTable(NativeMemory m, long at) {
        return new DescriptorTable(m.getLong(at + 16), m.getInt(at + 4));
    }

    private static void writeTable(NativeMemory m, long at, DescriptorTable t) {
        m.putShort(at, (short) 0);
        m.putInt(at + 4, t.limit());
        m.putInt(at + 8, 0);
        m.putLong(at + 16, t.base());
    }
}
