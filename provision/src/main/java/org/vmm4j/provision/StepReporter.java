package org.vmm4j.provision;

/** How a long provisioning step reports how far it is; must return quickly. */
@FunctionalInterface
public interface StepReporter {
    StepReporter NONE = (fraction, message) -> {};

    /**
     * Reports the progress of the current step.
     *
     * @param fraction 0.0 to 1.0, or -1 when the step cannot tell
     * @param message  for people; never a secret
     */
    void report(double fraction, String message);
}
