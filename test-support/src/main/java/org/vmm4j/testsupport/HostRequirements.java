package org.vmm4j.testsupport;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one place where a test's needs from the host are decided: met, the test runs; missing, it is
 * skipped with a message naming each missing thing and what provides it ("needs qemu-img (apt package
 * qemu-utils)"); missing while the kind's {@code VMM4J_REQUIRE_*} variable is {@code 1}, it fails.
 * {@link RequiresHost} declares the same on a class or method; the methods here are for tests that
 * decide at run time.
 */
public final class HostRequirements {
    private HostRequirements() {}

    /** Runs, skips or fails the calling test according to {@code requirements} in the real environment. */
    public static void require(HostRequirement... requirements) {
        Verdict verdict = decide(Arrays.asList(requirements), System.getenv());
        if (verdict.action() == Verdict.Action.SKIP) {
            announceSkip(caller(), verdict.message());
        }
        enforce(verdict);
    }

    /** {@link #require} for host programs by name. */
    public static void requireTools(String... programs) {
        require(Arrays.stream(programs).map(HostRequirement::tool).toArray(HostRequirement[]::new));
    }

    /** {@link #require} for a usable /dev/kvm. */
    public static void requireKvm() {
        require(HostRequirement.kvm());
    }

    /** {@link #require} for a libvirtd reachable at qemu:///system. */
    public static void requireLibvirtd() {
        require(HostRequirement.libvirtd());
    }

    /** Where {@code program} is on this host; skips or fails the calling test, like {@link #require}, when it is not. */
    public static Path program(String program) {
        require(HostRequirement.tool(program));
        return HostRequirement.findProgram(program, System.getenv()).orElseThrow();
    }

    /** The first readable file matching {@code pattern} (one of {@link RequiresHost}'s constants); skips or fails like {@link #require}. */
    public static Path file(String pattern) {
        require(HostRequirement.file(pattern));
        return HostRequirement.findFile(pattern).orElseThrow();
    }

    /** The host's Debian kernel, /boot/vmlinuz-* (first in name order); skips or fails like {@link #require}. */
    public static Path debianKernel() {
        return file(RequiresHost.DEBIAN_KERNEL);
    }

    /**
     * The decision, for any environment: the requirements missing in {@code environment} (its PATH finds
     * programs), and whether any of their kinds is demanded there.
     */
    public static Verdict decide(Collection<HostRequirement> requirements, Map<String, String> environment) {
        List<String> missing = new ArrayList<>();
        Set<String> demanded = new TreeSet<>();
        for (HostRequirement r : requirements) {
            r.missing(environment).ifPresent(m -> {
                missing.add(m);
                if (r.kind().demandedBy(environment)) {
                    demanded.add(r.kind().variable() + "=1");
                }
            });
        }
        if (missing.isEmpty()) {
            return Verdict.RUN;
        }
        String needs = "needs " + String.join(", ", missing);
        if (demanded.isEmpty()) {
            return new Verdict(Verdict.Action.SKIP, needs);
        }
        return new Verdict(
                Verdict.Action.FAIL, needs + " [" + String.join(", ", demanded) + " turns this skip into a failure]");
    }

    /** Throws what JUnit reports as a skip or a failure; returns when the verdict is to run. */
    static void enforce(Verdict verdict) {
        switch (verdict.action()) {
            case RUN -> {}
            case SKIP -> Assumptions.abort(verdict.message());
            case FAIL -> Assertions.fail(verdict.message());
        }
    }

    /**
     * Prints a skip on the test output, which Maven shows under the test class: its reports keep the
     * reason, but its console only counts skips, and a reader should see what to install.
     */
    static void announceSkip(String test, String message) {
        System.out.println("[vmm4j] skipped " + test + ": " + message);
    }

    /**
     * The test that asked: the first caller outside this class that is a JUnit method (a {@code @Test},
     * {@code @BeforeEach}, ...), else the first caller outside this class (a helper called from a lambda).
     */
    private static String caller() {
        List<StackWalker.StackFrame> callers = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(frames -> frames.filter(f -> f.getDeclaringClass() != HostRequirements.class)
                        .toList());
        StackWalker.StackFrame test = callers.stream()
                .filter(HostRequirements::isJUnitMethod)
                .findFirst()
                .orElse(callers.isEmpty() ? null : callers.get(0));
        return test == null ? "a test" : test.getDeclaringClass().getSimpleName() + "." + test.getMethodName();
    }

    private static boolean isJUnitMethod(StackWalker.StackFrame frame) {
        Method[] methods;
        try {
            methods = frame.getDeclaringClass().getDeclaredMethods();
        } catch (LinkageError | SecurityException e) {
            return false; // a frame of a class whose methods cannot be listed is no test's
        }
        for (Method m : methods) {
            if (m.getName().equals(frame.getMethodName())) {
                for (Annotation a : m.getAnnotations()) {
                    if (a.annotationType().getPackageName().startsWith("org.junit.jupiter")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
