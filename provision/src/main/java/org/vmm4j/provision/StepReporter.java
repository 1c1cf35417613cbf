package org.vmm4j.provision;

import org.vmm4j.text.Message;

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

    /**
     * Reports the progress of the current step with a message an application can show in its reader's
     * locale; by default as its English text.
     */
    default void report(double fraction, Message message) {
        report(fraction, message.english());
    }
}
