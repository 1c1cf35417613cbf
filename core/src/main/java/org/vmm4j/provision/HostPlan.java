package org.vmm4j.provision;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An ordered list of steps that changes a host (installs packages, enables services, creates disks),
 * built so that a person can review it before anything runs: {@link #render()} prints it, and
 * {@link #apply} runs it step by step, skipping what is already done.
 */
public record HostPlan(String title, List<PlanStep> steps) {
    public HostPlan {
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("a plan needs a title");
        }
        steps = List.copyOf(steps);
    }

    /** Whether any step needs root. */
    public boolean needsRoot() {
        return steps.stream().anyMatch(PlanStep::needsRoot);
    }

    /** A human-readable listing: one numbered line per step with its command and check. */
    public String render() {
        StringBuilder out = new StringBuilder(title).append('\n');
        for (int i = 0; i < steps.size(); i++) {
            PlanStep s = steps.get(i);
            out.append(String.format("%2d. %s%s%n", i + 1, s.description(), s.needsRoot() ? " [root]" : ""));
            out.append("    run:  ").append(String.join(" ", s.argv())).append('\n');
            s.doneCheck().ifPresent(c -> out.append("    skip if: ").append(c).append('\n'));
        }
        return out.toString();
    }

    /** Applies the plan without progress reporting. */
    public List<StepOutcome> apply(CommandExecutor executor) {
        return apply(executor, PlanListener.NONE);
    }

    /**
     * Runs each step whose check does not say it is done, in order, stopping at the first failure.
     *
     * @return one outcome per step
     * @throws PlanStepFailedException naming the step, its exit status and error output
     */
    public List<StepOutcome> apply(CommandExecutor executor, PlanListener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        List<StepOutcome> outcomes = new ArrayList<>(steps.size());
        for (int i = 0; i < steps.size(); i++) {
            PlanStep step = steps.get(i);
            listener.starting(i, steps.size(), step);
            StepOutcome outcome;
            if (step.doneCheck().isPresent() && step.doneCheck().get().isDone(executor)) {
                outcome = StepOutcome.ALREADY_DONE;
            } else {
                CommandResult result = executor.run(step.argv());
                if (!result.succeeded()) {
                    throw new PlanStepFailedException(title, i + 1, step, result);
                }
                outcome = StepOutcome.APPLIED;
            }
            outcomes.add(outcome);
            listener.finished(i, steps.size(), step, outcome);
        }
        return List.copyOf(outcomes);
    }
}
