package org.vmm4j.testsupport;

import java.util.Map;

/**
 * The three kinds of host requirement, each with the environment variable that turns its skip into a
 * failure. CI sets all three ({@code .ci/test} under {@code CI=true}); a developer's plain
 * {@code mvn verify} sets none and gets skips that name what to install.
 */
public enum RequirementKind {
    /** Host programs and files (compilers, image tools, headers, a kernel, debugfs): {@code VMM4J_REQUIRE_TOOLS=1}. */
    TOOLS("VMM4J_REQUIRE_TOOLS"),
    /** A usable /dev/kvm: {@code VMM4J_REQUIRE_KVM=1}. */
    KVM("VMM4J_REQUIRE_KVM"),
    /** A running libvirtd at qemu:///system: {@code VMM4J_REQUIRE_LIBVIRTD=1}. */
    LIBVIRTD("VMM4J_REQUIRE_LIBVIRTD");

    private final String variable;

    RequirementKind(String variable) {
        this.variable = variable;
    }

    /** The environment variable that, set to {@code 1}, makes a missing requirement of this kind fail the test. */
    public String variable() {
        return variable;
    }

    /** Whether {@code environment} demands this kind: a missing requirement then fails instead of skipping. */
    public boolean demandedBy(Map<String, String> environment) {
        return "1".equals(environment.get(variable));
    }
}
