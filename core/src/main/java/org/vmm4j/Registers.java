package org.vmm4j;

/** The x86-64 general-purpose registers, instruction pointer and flags of a vCPU. */
public record Registers(
        long rax,
        long rbx,
        long rcx,
        long rdx,
        long rsi,
        long rdi,
        long rsp,
        long rbp,
        long r8,
        long r9,
        long r10,
        long r11,
        long r12,
        long r13,
        long r14,
        long r15,
        long rip,
        long rflags) {

    /** RFLAGS bit 1 is reserved and always set. */
    public static final long RFLAGS_RESERVED = 0x2;

    /** How many values {@link #toArray()} gives and {@link #of(long[])} takes. */
    public static final int COUNT = 18;

    /**
     * The registers from {@code values} in the order of the record's components: rax, rbx, rcx, rdx, rsi,
     * rdi, rsp, rbp, r8 to r15, rip, rflags (the order of KVM's {@code struct kvm_regs}, and the index
     * order of bhyve's and OpenBSD's general-purpose register sets).
     *
     * @throws IllegalArgumentException unless there are exactly {@link #COUNT} values
     */
    public static Registers of(long[] values) {
        if (values.length != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " register values, got " + values.length);
        }
        long[] v = values;
        return new Registers(
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                v[16], v[17]);
    }

    /** The values in the order {@link #of(long[])} takes them. */
    public long[] toArray() {
        return new long[] {rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags};
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.v = toArray();
        return b;
    }

    /** Builds a {@link Registers}; unset registers are 0 and RFLAGS defaults to {@link #RFLAGS_RESERVED}. */
    public static final class Builder {
        private long[] v = new long[COUNT];

        private Builder() {
            v[17] = RFLAGS_RESERVED;
        }

        public Builder rax(long x) {
            v[0] = x;
            return this;
        }

        public Builder rbx(long x) {
            v[1] = x;
            return this;
        }

        public Builder rcx(long x) {
            v[2] = x;
            return this;
        }

        public Builder rdx(long x) {
            v[3] = x;
            return this;
        }

        public Builder rsi(long x) {
            v[4] = x;
            return this;
        }

        public Builder rdi(long x) {
            v[5] = x;
            return this;
        }

        public Builder rsp(long x) {
            v[6] = x;
            return this;
        }

        public Builder rbp(long x) {
            v[7] = x;
            return this;
        }

        public Builder r8(long x) {
            v[8] = x;
            return this;
        }

        public Builder r9(long x) {
            v[9] = x;
            return this;
        }

        public Builder r10(long x) {
            v[10] = x;
            return this;
        }

        public Builder r11(long x) {
            v[11] = x;
            return this;
        }

        public Builder r12(long x) {
            v[12] = x;
            return this;
        }

        public Builder r13(long x) {
            v[13] = x;
            return this;
        }

        public Builder r14(long x) {
            v[14] = x;
            return this;
        }

        public Builder r15(long x) {
            v[15] = x;
            return this;
        }

        public Builder rip(long x) {
            v[16] = x;
            return this;
        }

        public Builder rflags(long x) {
            v[17] = x;
            return this;
        }

        public Registers build() {
            return of(v);
        }
    }
}
