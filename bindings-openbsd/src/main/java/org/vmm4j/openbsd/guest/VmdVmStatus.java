package org.vmm4j.openbsd.guest;

/**
 * One VM as {@code vmctl status} lists it (one {@code vmop_info_result}).
 *
 * @param id          vmd's VM id
 * @param pid         the VM process (0 when stopped)
 * @param vcpus       vCPU count
 * @param maxMemory   configured memory in bytes
 * @param usedMemory  resident memory in bytes
 * @param tty         console tty name without {@code /dev/} ("" when stopped)
 * @param uid         owner uid
 * @param gid         owner gid, or -1
 * @param state       {@code VM_STATE_*} flags
 * @param name        VM name
 */
public record VmdVmStatus(
        int id,
        int pid,
        int vcpus,
        long maxMemory,
        long usedMemory,
        String tty,
        int uid,
        long gid,
        int state,
        String name) {

    public boolean running() {
        return (state & VmdProtocol.VM_STATE_RUNNING) != 0;
    }

    public boolean paused() {
        return (state & VmdProtocol.VM_STATE_PAUSED) != 0;
    }

    public boolean disabled() {
        return (state & VmdProtocol.VM_STATE_DISABLED) != 0;
    }

    /** vmctl's state word: running, paused, stopping, waiting, stopped (disabled). */
    public String stateText() {
        if ((state & VmdProtocol.VM_STATE_PAUSED) != 0) {
            return "paused";
        }
        if ((state & VmdProtocol.VM_STATE_SHUTDOWN) != 0) {
            return "stopping";
        }
        if ((state & VmdProtocol.VM_STATE_RUNNING) != 0) {
            return "running";
        }
        if ((state & VmdProtocol.VM_STATE_WAITING) != 0) {
            return "waiting";
        }
        return (state & VmdProtocol.VM_STATE_DISABLED) != 0 ? "stopped (disabled)" : "stopped";
    }

    /** {@code /dev/ttypN}, or empty when the VM has no console. */
    public java.util.Optional<String> ttyPath() {
        return tty.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of("/dev/" + tty);
    }
}
