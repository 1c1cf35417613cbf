package org.vmm4j.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The read-only facts a probe looks at: sysctls, files, programs' output. Backends implement it over
 * the live host; tests feed recorded facts of real hosts ({@link RecordedHostFacts}).
 */
public interface HostFacts {

    /** A sysctl's value as text ({@code hw.vmm.vmx.initialized} -> "1"), or empty when absent. */
    Optional<String> sysctl(String name);

    /** Whether a path exists. */
    boolean exists(Path path);

    /** A file's content, or empty when it does not exist or cannot be read. */
    Optional<String> readFile(Path path);

    /** A program's result, or empty when the program does not exist. */
    Optional<CommandResult> run(List<String> command);
}
