package org.vmm4j.testsupport;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the sample classes named on the command line and prints one line per test or class outcome:
 * {@code SKIPPED name: reason}, {@code ABORTED name: message}, {@code FAILED name: message},
 * {@code SUCCESSFUL name}.
 */
public final class SampleRunner {
    private SampleRunner() {}

    public static void main(String[] args) throws Exception {
        var request = LauncherDiscoveryRequestBuilder.request();
        for (String name : args) {
            request.selectors(selectClass(Class.forName(name)));
        }
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request.build(), new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                System.out.println("SKIPPED " + test.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (test.getParentId().isEmpty()
                        || (test.isContainer() && result.getStatus() == TestExecutionResult.Status.SUCCESSFUL)) {
                    return;
                }
                String message =
                        result.getThrowable().map(t -> ": " + t.getMessage()).orElse("");
                System.out.println(result.getStatus() + " " + test.getDisplayName() + message);
            }
        });
    }
}
