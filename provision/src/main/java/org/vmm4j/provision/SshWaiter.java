package org.vmm4j.provision;

import java.time.Duration;

/** Waits until an SSH server answers with its banner. The default is {@link SshReadiness#awaitBanner}. */
@FunctionalInterface
public interface SshWaiter {
    SshWaiter BANNER = (host, port, timeout, reporter) -> SshReadiness.awaitBanner(host, port, timeout);

    /**
     * Waits until an SSH server answers at {@code host:port}.
     *
     * @return the server's banner ({@code SSH-2.0-OpenSSH_9.6})
     * @throws RuntimeException when no server answers within {@code timeout}
     */
    String awaitSsh(String host, int port, Duration timeout, StepReporter reporter);
}
