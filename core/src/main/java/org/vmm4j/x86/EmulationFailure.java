package org.vmm4j.x86;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * An instruction the hypervisor could not complete for the guest: where it is, its bytes, what it is
 * when vmm4j knows it, and why vmm4j could not complete it either. {@link #toString()} is the message
 * a user reads when the machine stops.
 */
public final class EmulationFailure {
    private final long rip;
    private final byte[] bytes;
    private final KnownInstruction instruction;
    private final String detail;

    /**
     * @param rip      the guest's RIP at the instruction
     * @param bytes    the instruction bytes (KVM's internal-error data, or read from guest memory); may be
     *                 empty when neither had them
     * @param longMode whether the guest runs 64-bit code (to decode REX prefixes)
     * @param detail   why vmm4j could not complete the instruction itself, or {@code null}
     */
    public EmulationFailure(long rip, byte[] bytes, boolean longMode, String detail) {
        this.rip = rip;
        byte[] all = Objects.requireNonNull(bytes, "bytes").clone();
        this.instruction = KnownInstruction.identify(all, all.length, longMode).orElse(null);
        this.bytes = instruction == null ? all : Arrays.copyOf(all, Math.min(all.length, instruction.length()));
        this.detail = detail;
    }

    /** The guest's RIP at the instruction. */
    public long rip() {
        return rip;
    }

    /** The instruction's bytes: just the instruction when it is known, else all the bytes there were. */
    public byte[] instructionBytes() {
        return bytes.clone();
    }

    /** The instruction, when it is in {@link KnownInstruction}'s table. */
    public Optional<KnownInstruction> instruction() {
        return Optional.ofNullable(instruction);
    }

    /** Why vmm4j could not complete the instruction itself (e.g. an INT3 it could not deliver). */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    /**
     * "the hypervisor could not emulate the instruction at RIP 0xffffffff81234567 (f3 48 0f b8 c7):
     * POPCNT: use --cpu baseline or -popcnt".
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("the hypervisor could not emulate the instruction at RIP 0x")
                .append(Long.toHexString(rip));
        if (bytes.length == 0) {
            s.append(" (its bytes could not be read)");
        } else {
            s.append(" (");
            HexFormat hex = HexFormat.ofDelimiter(" ");
            s.append(hex.formatHex(bytes));
            s.append(")");
        }
        if (instruction != null) {
            s.append(": ").append(instruction);
        } else {
            s.append(": an instruction vmm4j has no advice for");
        }
        if (detail != null) {
            s.append("; ").append(detail);
        }
        return s.toString();
    }
}
