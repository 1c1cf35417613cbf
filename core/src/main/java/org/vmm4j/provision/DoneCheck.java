package org.vmm4j.provision;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to tell that a step's effect is already in place, so applying a plan twice changes nothing the
 * second time: a command that exits 0 and, optionally, whose standard output matches a pattern.
 */
public record DoneCheck(List<String> argv, Optional<Pattern> stdoutPattern) {
    public DoneCheck {
        argv = ArgumentCheck.argv(argv);
        Objects.requireNonNull(stdoutPattern, "stdoutPattern");
    }

    /** Done when {@code argv} exits 0. */
    public static DoneCheck exitsZero(List<String> argv) {
        return new DoneCheck(argv, Optional.empty());
    }

    /** Done when {@code argv} exits 0 and its output contains a match of {@code regex}. */
    public static DoneCheck outputMatches(List<String> argv, String regex) {
        return new DoneCheck(argv, Optional.of(Pattern.compile(regex, Pattern.MULTILINE)));
    }

    boolean isDone(CommandExecutor executor) {
        CommandResult r;
        try {
            r = executor.run(argv);
        } catch (CommandFailedException e) {
            // A check program that is not installed yet (virsh before libvirt) means "not done":
            // the step runs and reports its own failure if something is really wrong.
            return false;
        }
        return r.succeeded() && stdoutPattern.map(p -> p.matcher(r.stdout()).find()).orElse(true);
    }

    @Override
    public String toString() {
        return String.join(" ", argv) + stdoutPattern.map(p -> " ~ /" + p.pattern() + "/").orElse("");
    }
}
