package org.vmm4j.internal;

import java.util.Optional;
import org.vmm4j.SpecialRegisters;

/**
 * Whether an FWAIT (0x9B) is a no-op: it raises #NM when CR0.TS and CR0.MP are both set, and #MF when
 * the x87 status word has an unmasked exception pending (ES); otherwise it only waits for the x87 unit,
 * which is idle by the time a hypervisor sees the instruction. Linux runs one in {@code fpu__drop()}
 * whenever a task exits, so a backend whose hypervisor cannot emulate it completes it as a no-op after
 * asking here.
 */
public final class X87Wait {
    /** The FWAIT opcode. */
    public static final int OPCODE = 0x9b;

    private static final long CR0_TS = 1L << 3;
    private static final int FSW_ES = 1 << 7;

    private X87Wait() {}

    /**
     * Checks whether the FWAIT would fault.
     *
     * @param cr0 the guest's CR0
     * @param fsw the guest's x87 status word
     * @return empty when FWAIT does nothing; else why it would fault, as the end of a sentence
     */
    public static Optional<String> problem(long cr0, int fsw) {
        if ((cr0 & CR0_TS) != 0 && (cr0 & SpecialRegisters.CR0_MP) != 0) {
            return Optional.of("FWAIT with CR0.TS and CR0.MP set raises #NM, which vmm4j does not deliver");
        }
        if ((fsw & FSW_ES) != 0) {
            return Optional.of("FWAIT with an x87 exception pending (FSW 0x" + Integer.toHexString(fsw & 0xffff)
                    + ") raises #MF, which vmm4j does not deliver");
        }
        return Optional.empty();
    }
}
