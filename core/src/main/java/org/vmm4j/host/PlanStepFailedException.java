package org.vmm4j.host;

/** A step of a {@link HostPlan} exited unsuccessfully; the steps before it stay applied. */
public class PlanStepFailedException extends CommandFailedException {
    private static final long serialVersionUID = 1L;

    private final String plan;
    private final int stepNumber;
    private final int exitCode;
    private final transient PlanStep.Run step;
    private final transient CommandResult result;

    PlanStepFailedException(String plan, int stepNumber, PlanStep.Run step, CommandResult result) {
        super(
                step.command().get(0),
                "step " + stepNumber + " of plan '" + plan + "' failed (" + step.description()
                        + "): " + String.join(" ", step.command()) + " exited " + result.exitCode()
                        + (result.stderr().isBlank()
                                ? ""
                                : ": " + result.stderr().strip())
                        + (step.needsRoot() ? " (this step needs root)" : ""));
        this.plan = plan;
        this.stepNumber = stepNumber;
        this.exitCode = result.exitCode();
        this.step = step;
        this.result = result;
    }

    /** The title of the plan. */
    public String plan() {
        return plan;
    }

    /** The failed step's position in the plan, from 1. */
    public int stepNumber() {
        return stepNumber;
    }

    public PlanStep.Run step() {
        return step;
    }

    /** What the step's command did: its argument list, exit status, output and error output. */
    public CommandResult result() {
        return result;
    }

    public int exitCode() {
        return exitCode;
    }
}
