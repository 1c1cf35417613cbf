package org.vmm4j.provision;

/** What applying a plan did with one step. */
public enum StepOutcome {
    /** The idempotence check said the effect was already in place; the step did not run. */
    ALREADY_DONE,
    /** The step ran and exited 0. */
    APPLIED
}
