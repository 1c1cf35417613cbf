package org.vmm4j.provision;

/** How a command ended: its exit status and what it printed (decoded as UTF-8). */
public record CommandResult(int exitCode, String stdout, String stderr) {
    public boolean succeeded() {
        return exitCode == 0;
    }
}
