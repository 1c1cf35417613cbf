package org.vmm4j.linux.machine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the process holds: open fds, KVM mappings, vCPU threads. */
record Leaks(long fds, long kvmMappings, long vcpuThreads) {

    static Leaks now() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            long threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("vmm4j-"))
                    .count();
            return new Leaks(
                    fds.count(), maps.stream().filter(l -> l.contains("kvm")).count(), threads);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
