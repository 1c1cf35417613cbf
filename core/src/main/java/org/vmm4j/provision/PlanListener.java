package org.vmm4j.provision;

/** Progress of {@link HostPlan#apply}: called before each step runs and after it finished. */
public interface PlanListener {
    PlanListener NONE = new PlanListener() {
    };

    /** Step {@code index} (0-based) of {@code total} is about to be checked and, if needed, run. */
    default void starting(int index, int total, PlanStep step) {
    }

    /** Step {@code index} of {@code total} finished with {@code outcome}. */
    default void finished(int index, int total, PlanStep step, StepOutcome outcome) {
    }
}
