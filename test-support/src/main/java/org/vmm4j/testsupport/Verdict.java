package org.vmm4j.testsupport;

/**
 * What a test does about its host requirements in one environment: run, skip with the message, or fail
 * with it (the kind's {@code VMM4J_REQUIRE_*} variable is set).
 */
public record Verdict(Action action, String message) {
    public enum Action {
        RUN,
        SKIP,
        FAIL
    }

    static final Verdict RUN = new Verdict(Action.RUN, "host requirements met");
}
