package org.vmm4j.provision;

/** A step of a host plan exited unsuccessfully; the steps before it stay applied. */
public class PlanStepFailedException extends CommandFailedException {
    private static final long serialVersionUID = 1L;

    private final transient PlanStep step;
    private final int exitCode;

    PlanStepFailedException(String plan, int number, PlanStep step, CommandResult result) {
        super("step " + number + " of plan '" + plan + "' failed (" + step.description() + "): "
                + String.join(" ", step.argv()) + " exited " + result.exitCode()
                + (result.stderr().isBlank() ? "" : ": " + result.stderr().strip())
                + (step.needsRoot() ? " (this step needs root)" : ""));
        this.step = step;
        this.exitCode = result.exitCode();
    }

    public PlanStep step() {
        return step;
    }

    public int exitCode() {
        return exitCode;
    }
}
