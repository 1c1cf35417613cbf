package org.vmm4j.testsupport;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Evaluates {@link RequiresHost} before a class or method runs: enabled when everything is there,
 * disabled (reported as skipped, with the message) when something is missing, and a failure of that
 * class or method when the environment demands the missing kind.
 */
final class RequiresHostExtension implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        List<HostRequirement> requirements =
                context.getElement().map(RequiresHostExtension::requirements).orElse(List.of());
        Verdict verdict = HostRequirements.decide(requirements, System.getenv());
        return switch (verdict.action()) {
            case RUN -> ConditionEvaluationResult.enabled(verdict.message());
            case SKIP -> {
                HostRequirements.announceSkip(
                        context.getRequiredTestClass().getSimpleName()
                                + context.getTestMethod()
                                        .map(m -> "." + m.getName())
                                        .orElse(""),
                        verdict.message());
                yield ConditionEvaluationResult.disabled(verdict.message());
            }
            case FAIL -> throw new AssertionError(verdict.message());
        };
    }

    /** What {@code element}'s own annotation asks for (a class's annotation is evaluated for the class). */
    static List<HostRequirement> requirements(AnnotatedElement element) {
        RequiresHost needs = element.getAnnotation(RequiresHost.class);
        if (needs == null) {
            return List.of();
        }
        List<HostRequirement> requirements = new ArrayList<>();
        for (String tool : needs.tools()) {
            requirements.add(HostRequirement.tool(tool));
        }
        for (String file : needs.files()) {
            requirements.add(HostRequirement.file(file));
        }
        if (needs.kvm()) {
            requirements.add(HostRequirement.kvm());
        }
        if (needs.libvirtd()) {
            requirements.add(HostRequirement.libvirtd());
        }
        return requirements;
    }
}
