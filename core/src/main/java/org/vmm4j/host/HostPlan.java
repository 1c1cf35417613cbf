package org.vmm4j.host;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/**
 * A list of steps that changes the host (load a module, install packages, create a bridge, edit
 * rc.conf), built first and reviewed before it is applied. Applying is idempotent: each step checks
 * whether it is already done.
 */
public record HostPlan(Message heading, List<PlanStep> steps) {
    private static final Logger LOG = LoggerFactory.getLogger(HostPlan.class);

    public HostPlan {
        if (heading == null || heading.english().isBlank()) {
            throw new IllegalArgumentException("a plan needs a title");
        }
        steps = List.copyOf(steps);
    }

    /** A plan titled in English only. */
    public HostPlan(String title, List<PlanStep> steps) {
        this(Message.literal(requireTitle(title)), steps);
    }

    private static String requireTitle(String title) {
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("a plan needs a title");
        }
        return title;
    }

    /** The plan's title in English. */
    public String title() {
        return heading.english();
    }

    /** What applying changed. */
    public record Outcome(List<PlanStep> applied, List<PlanStep> skipped) {
        public Outcome {
            applied = List.copyOf(applied);
            skipped = List.copyOf(skipped);
        }
    }

    /** Whether any step needs root. */
    public boolean needsRoot() {
        for (PlanStep step : steps) {
            if (step.needsRoot()) {
                return true;
            }
        }
        return false;
    }

    /** A human-readable listing in English: one numbered line per step with its command and check, or its file edit. */
    public String render() {
        return render(Locale.ROOT);
    }

    /**
     * {@link #render()} with its labels ("skip if", "ensure line in" …) in {@code locale}; titles, step
     * descriptions, commands and file contents are shown as the plan has them.
     */
    public String render(Locale locale) {
        MessageCatalog texts = HostMessages.CATALOG;
        StringBuilder out = new StringBuilder(heading.render(locale)).append('\n');
        int n = 1;
        for (PlanStep step : steps) {
            out.append(String.format(
                    Locale.ROOT,
                    "%2d. %s%s%n",
                    n++,
                    step.text().render(locale),
                    step.needsRoot() ? " " + texts.format(locale, "plan.root") : ""));
            if (step instanceof PlanStep.Run run) {
                out.append("      $ ").append(String.join(" ", run.command())).append('\n');
                if (!run.check().isEmpty()) {
                    out.append("      ").append(texts.format(locale, "plan.skip-if", String.join(" ", run.check())));
                    if (!run.checkOutput().isEmpty()) {
                        out.append(" ~ /").append(run.checkOutput()).append('/');
                    }
                    out.append('\n');
                }
            } else if (step instanceof PlanStep.EnsureLine line) {
                out.append("      ")
                        .append(texts.format(
                                locale, "plan.ensure-line", line.file().toString(), line.line()))
                        .append('\n');
            } else if (step instanceof PlanStep.EnsureBlock block) {
                out.append("      ")
                        .append(texts.format(
                                locale,
                                "plan.ensure-block",
                                block.marker(),
                                block.file().toString()))
                        .append('\n');
                block.content()
                        .lines()
                        .forEach(l -> out.append("      | ").append(l).append('\n'));
            }
        }
        return out.toString();
    }

    /** Applies the plan without progress reporting. */
    public Outcome apply(CommandExecutor executor) {
        return apply(executor, ProgressListener.NONE);
    }

    /**
     * Applies the steps in order, skipping those already done, reporting progress: before each step
     * (fraction 0, "checking") and after it (fraction 1, "done" or "already done").
     *
     * @throws PlanStepFailedException for the first program step that exits unsuccessfully, naming the
     *                                 plan, the step, its command and error output
     * @throws CommandFailedException  when a step's program cannot be started or does not finish in time
     */
    public Outcome apply(CommandExecutor executor, ProgressListener listener) {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        List<PlanStep> applied = new ArrayList<>();
        List<PlanStep> skipped = new ArrayList<>();
        int index = 0;
        for (PlanStep step : steps) {
            index++;
            Message name = step.text();
            listener.onProgress(
                    new Progress(name, index, steps.size(), 0.0, HostMessages.CATALOG.message("plan.status.checking")));
            boolean changed;
            if (step instanceof PlanStep.Run run) {
                changed = applyRun(executor, run, index);
            } else if (step instanceof PlanStep.EnsureLine line) {
                changed = applyLine(executor, line);
            } else {
                changed = applyBlock(executor, (PlanStep.EnsureBlock) step);
            }
            (changed ? applied : skipped).add(step);
            listener.onProgress(new Progress(
                    name,
                    index,
                    steps.size(),
                    1.0,
                    HostMessages.CATALOG.message(changed ? "plan.status.done" : "plan.status.already-done")));
        }
        return new Outcome(applied, skipped);
    }

    private boolean applyRun(CommandExecutor executor, PlanStep.Run run, int number) {
        if (isDone(executor, run)) {
            return false;
        }
        CommandResult result = executor.run(run.command());
        if (!result.succeeded()) {
            throw new PlanStepFailedException(title(), number, run, result);
        }
        return true;
    }

    private static boolean isDone(CommandExecutor executor, PlanStep.Run run) {
        if (run.check().isEmpty()) {
            return false;
        }
        CommandResult result;
        try {
            result = executor.run(run.check());
        } catch (CommandFailedException e) {
            // A check program that is not installed yet (virsh before libvirt) means "not done": the
            // step runs and reports its own failure if something is really wrong.
            LOG.debug("check {} could not run, so its step counts as not done", run.check(), e);
            return false;
        }
        return result.succeeded()
                && (run.checkOutput().isEmpty()
                        || PlanStep.Run.checkOutputPattern(run.checkOutput())
                                .matcher(result.stdout())
                                .find());
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
                throw new org.vmm4j.VmmException(
                        "edit " + step.file() + ": '" + begin + "' has no matching '" + end + "'");
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
