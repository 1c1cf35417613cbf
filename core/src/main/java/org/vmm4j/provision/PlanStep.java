package org.vmm4j.provision;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One reviewable step of a host plan: what it does in words, the exact argument list it runs, whether
 * it needs root, and how to detect that it is already done.
 */
public record PlanStep(String description, List<String> argv, boolean needsRoot, Optional<DoneCheck> doneCheck) {
    public PlanStep {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("a plan step needs a description");
        }
        argv = ArgumentCheck.argv(argv);
        Objects.requireNonNull(doneCheck, "doneCheck");
    }

    public static PlanStep asRoot(String description, List<String> argv, DoneCheck check) {
        return new PlanStep(description, argv, true, Optional.ofNullable(check));
    }

    public static PlanStep asUser(String description, List<String> argv, DoneCheck check) {
        return new PlanStep(description, argv, false, Optional.ofNullable(check));
    }
}
