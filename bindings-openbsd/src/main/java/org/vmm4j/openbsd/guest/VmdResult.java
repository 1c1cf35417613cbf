package org.vmm4j.openbsd.guest;

/** A {@code vmop_result}: vmd's answer to start, stop, pause and unpause. */
public record VmdResult(int result, int id, int pid, String tty) {

    public boolean ok() {
        return result == 0;
    }
}
