package org.vmm4j.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The backends on the class path (or module path), found once: a scan costs ~0.4 ms even warm, which
 * is a fifth of booting a small machine with the split irqchip. Providers are stateless factories, so
 * one instance of each serves every {@code open}, {@code probe} and {@code connect}.
 */
final class InstalledProviders {
    static final List<HypervisorProvider> ALL = load();

    private InstalledProviders() {}

    private static List<HypervisorProvider> load() {
        List<HypervisorProvider> found = new ArrayList<>();
        ServiceLoader.load(HypervisorProvider.class, HypervisorProvider.class.getClassLoader())
                .forEach(found::add);
        return List.copyOf(found);
    }
}
