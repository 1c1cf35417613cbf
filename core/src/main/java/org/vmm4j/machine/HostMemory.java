package org.vmm4j.machine;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.OptionalLong;

/** The host's physical memory, from the JDK's {@code jdk.management} module when it is present. */
final class HostMemory {

    private HostMemory() {}

    /** The host's total physical memory in bytes, or empty if the JDK cannot tell (no {@code jdk.management}). */
    static OptionalLong physicalBytes() {
        try {
            return fromMxBean();
        } catch (LinkageError e) {
            // jdk.management (or java.management) is not in the runtime image or module graph
            return OptionalLong.empty();
        }
    }

    private static OptionalLong fromMxBean() {
        OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
        long total = os == null ? 0 : os.getTotalMemorySize();
        return total > 0 ? OptionalLong.of(total) : OptionalLong.empty();
    }
}
