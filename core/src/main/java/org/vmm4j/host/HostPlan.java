package org.vmm4j.host;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of steps that changes the host (load a module, install packages, create a bridge, edit
 * rc.conf), built first and reviewed before it is applied. Applying is idempotent: each step checks
 * whether it is already done.
 */
public record HostPlan(String title, List<PlanStep> steps) {

    public HostPlan {
        steps = List.copyOf(steps);
    }

    /** What applying changed. */
    public record Outcome(List<PlanStep> applied, List<PlanStep> skipped) {
    }

    /** A human-readable listing: one numbered line per step with its command or file edit. */
    public String render() {
        StringBuilder out = new StringBuilder(title).append('\n');
        int n = 1;
        for (PlanStep step : steps) {
            out.append(String.format("%2d. %s%s%n", n++, step.description(), step.needsRoot() ? " [root]" : ""));
            if (step instanceof PlanStep.Run run) {
                out.append("      $ ").append(String.join(" ", run.command())).append('\n');
                if (!run.check().isEmpty()) {
                    out.append("      skip if: ").append(String.join(" ", run.check())).append('\n');
                }
            } else if (step instanceof PlanStep.EnsureLine line) {
                out.append("      ensure line in ").append(line.file()).append(": ").append(line.line()).append('\n');
            } else if (step instanceof PlanStep.EnsureBlock block) {
                out.append("      ensure block '").append(block.marker()).append("' in ").append(block.file()).append('\n');
                block.content().lines().forEach(l -> out.append("      | ").append(l).append('\n'));
            }
        }
        return out.toString();
    }

    /**
     * Applies the steps in order, skipping those already done, reporting progress.
     *
     * @throws org.vmm4j.VmmException for the first step that fails, naming it
     */
    public Outcome apply(CommandExecutor executor, ProgressListener listener) {
        List<PlanStep> applied = new ArrayList<>();
        List<PlanStep> skipped = new ArrayList<>();
        int index = 0;
        for (PlanStep step : steps) {
            index++;
            listener.onProgress(new Progress(step.description(), index, steps.size(), 0.0, "checking"));
            boolean done;
            if (step instanceof PlanStep.Run run) {
                done = applyRun(executor, run);
            } else if (step instanceof PlanStep.EnsureLine line) {
                done = applyLine(executor, line);
            } else {
                done = applyBlock(executor, (PlanStep.EnsureBlock) step);
            }
            (done ? applied : skipped).add(step);
            listener.onProgress(new Progress(step.description(), index, steps.size(), 1.0,
                    done ? "done" : "already done"));
        }
        return new Outcome(applied, skipped);
    }

    private static boolean applyRun(CommandExecutor executor, PlanStep.Run run) {
        if (!run.check().isEmpty() && executor.run(run.check()).succeeded()) {
            return false;
        }
        CommandResult result = executor.run(run.command());
        if (!result.succeeded()) {
            throw new org.vmm4j.VmmException(run.command().get(0), 0, "step '" + run.description() + "' failed: "
                    + String.join(" ", run.command()) + " exited with " + result.exitCode()
                    + (result.stderr().isBlank() ? "" : ": " + result.stderr().strip()));
        }
        return true;
    }

    private static boolean applyLine(CommandExecutor executor, PlanStep.EnsureLine step) {
        String content = executor.readFile(step.file()).orElse("");
        if (content.lines().anyMatch(l -> l.equals(step.line()))) {
            return false;
        }
        String prefix = content.isEmpty() || content.endsWith("\n") ? content : content + "\n";
        executor.writeFile(step.file(), prefix + step.line() + "\n");
        return true;
    }

    private static boolean applyBlock(CommandExecutor executor, PlanStep.EnsureBlock step) {
        String begin = "# BEGIN vmm4j " + step.marker();
        String end = "# END vmm4j " + step.marker();
        String block = begin + "\n" + step.content().stripTrailing() + "\n" + end + "\n";
        String content = executor.readFile(step.file()).orElse("");
        int from = content.indexOf(begin + "\n");
        String updated;
        if (from >= 0) {
            int to = content.indexOf(end + "\n", from);
            if (to < 0) {
                throw new org.vmm4j.VmmException("edit " + step.file() + ": '" + begin + "' has no matching '" + end + "'");
            }
            updated = content.substring(0, from) + block + content.substring(to + end.length() + 1);
        } else {
            String prefix = content.isEmpty() || content.endsWith("\n") ? content : content + "\n";
            updated = prefix + block;
        }
        if (updated.equals(content)) {
            return false;
        }
        executor.writeFile(step.file(), updated);
        return true;
    }
}
