package org.vmm4j.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** One reviewable step of a {@link HostPlan}. */
public sealed interface PlanStep {

    String description();

    boolean needsRoot();

    /**
     * Runs a program. When {@code check} is given and exits 0, the step is already done and is skipped.
     */
    record Run(String description, List<String> command, List<String> check, boolean needsRoot) implements PlanStep {
        public Run {
            Objects.requireNonNull(description, "description");
            command = List.copyOf(command);
            check = check == null ? List.of() : List.copyOf(check);
            if (command.isEmpty()) {
                throw new IllegalArgumentException("step '" + description + "' has no command");
            }
        }
    }

    /** Makes sure {@code file} contains the line {@code line} (appended when missing). */
    record EnsureLine(String description, Path file, String line, boolean needsRoot) implements PlanStep {
        public EnsureLine {
            Objects.requireNonNull(file, "file");
            if (line.contains("\n")) {
                throw new IllegalArgumentException("line must not contain a newline: " + line);
            }
        }
    }

    /**
     * Makes sure {@code file} contains {@code content} between {@code # BEGIN vmm4j <marker>} and
     * {@code # END vmm4j <marker>} lines, replacing an older version of the same block.
     */
    record EnsureBlock(String description, Path file, String marker, String content, boolean needsRoot)
            implements PlanStep {
        public EnsureBlock {
            Objects.requireNonNull(file, "file");
            SafeNames.require("block marker", marker, 64);
        }
    }
}
