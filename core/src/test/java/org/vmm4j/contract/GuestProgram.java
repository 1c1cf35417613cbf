package org.vmm4j.contract;

/**
 * The few bytes of 16-bit real-mode guest code the vCPU contract runs, loaded at
 * {@link VirtualCpuContract#PROGRAM_ADDRESS}. A backend whose kernel is scripted rather than real
 * scripts the exits each program produces (see {@link VirtualCpuContract#loadProgram}).
 */
public enum GuestProgram {
    /**
     * {@code mov dx, 0x3f8; mov al, 'A'; out dx, al; hlt}: one {@code IO_OUT} exit (port 0x3f8, one byte,
     * value 0x41), then {@code HLT}.
     */
    OUT_THEN_HLT(new byte[] {(byte) 0xba, (byte) 0xf8, 0x03, (byte) 0xb0, 0x41, (byte) 0xee, (byte) 0xf4}),
    /** {@code jmp $}: spins in the guest, without an exit, until the run is stopped. */
    SPIN(new byte[] {(byte) 0xeb, (byte) 0xfe});

    /** Port the {@link #OUT_THEN_HLT} program writes. */
    public static final int PORT = 0x3f8;
    /** Byte the {@link #OUT_THEN_HLT} program writes. */
    public static final int VALUE = 'A';

    @SuppressWarnings("ImmutableEnumChecker") // never written after construction; code() hands out copies
    private final byte[] code;

    GuestProgram(byte[] code) {
        this.code = code;
    }

    /** The machine code (a copy). */
    public byte[] code() {
        return code.clone();
    }
}
