package org.vmm4j;

/**
 * Segment registers, descriptor tables and control registers of a vCPU: what decides the CPU mode
 * (real, protected, long) and paging.
 */
public record SpecialRegisters(
        Segment cs,
        Segment ds,
        Segment es,
        Segment fs,
        Segment gs,
        Segment ss,
        Segment tr,
        Segment ldt,
        DescriptorTable gdt,
        DescriptorTable idt,
        long cr0,
        long cr2,
        long cr3,
        long cr4,
        long cr8,
        long efer,
        long apicBase) {

    public static final long CR0_PE = 1L;
    public static final long CR0_MP = 1L << 1;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_WP = 1L << 16;
    public static final long CR0_AM = 1L << 18;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_OSFXSR = 1L << 9;
    public static final long CR4_OSXMMEXCPT = 1L << 10;
    public static final long EFER_SCE = 1L;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long EFER_NXE = 1L << 11;

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copy-and-modify, for the few fields a boot sequence changes. */
    public static final class Builder {
        private Segment cs, ds, es, fs, gs, ss, tr, ldt;
        private DescriptorTable gdt, idt;
        private long cr0, cr2, cr3, cr4, cr8, efer, apicBase;

        private Builder(SpecialRegisters r) {
            cs = r.cs;
            ds = r.ds;
            es = r.es;
            fs = r.fs;
            gs = r.gs;
            ss = r.ss;
            tr = r.tr;
            ldt = r.ldt;
            gdt = r.gdt;
            idt = r.idt;
            cr0 = r.cr0;
            cr2 = r.cr2;
            cr3 = r.cr3;
            cr4 = r.cr4;
            cr8 = r.cr8;
            efer = r.efer;
            apicBase = r.apicBase;
        }

        public Builder cs(Segment x) {
            cs = x;
            return this;
        }

        public Builder ds(Segment x) {
            ds = x;
            return this;
        }

        public Builder es(Segment x) {
            es = x;
            return this;
        }

        public Builder fs(Segment x) {
            fs = x;
            return this;
        }

        public Builder gs(Segment x) {
            gs = x;
            return this;
        }

        public Builder ss(Segment x) {
            ss = x;
            return this;
        }

        public Builder tr(Segment x) {
            tr = x;
            return this;
        }

        public Builder ldt(Segment x) {
            ldt = x;
            return this;
        }

        public Builder gdt(DescriptorTable x) {
            gdt = x;
            return this;
        }

        public Builder idt(DescriptorTable x) {
            idt = x;
            return this;
        }

        public Builder cr0(long x) {
            cr0 = x;
            return this;
        }

        public Builder cr2(long x) {
            cr2 = x;
            return this;
        }

        public Builder cr3(long x) {
            cr3 = x;
            return this;
        }

        public Builder cr4(long x) {
            cr4 = x;
            return this;
        }

        public Builder cr8(long x) {
            cr8 = x;
            return this;
        }

        public Builder efer(long x) {
            efer = x;
            return this;
        }

        public Builder apicBase(long x) {
            apicBase = x;
            return this;
        }

        /** All data segments (DS, ES, FS, GS, SS) at once. */
        public Builder dataSegments(Segment x) {
            ds = x;
            es = x;
            fs = x;
            gs = x;
            ss = x;
            return this;
        }

        public SpecialRegisters build() {
            return new SpecialRegisters(
                    cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
        }
    }
}
