package org.vmm4j.freebsd.guest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.vmm4j.VmmException;
import org.vmm4j.internal.AtomicFiles;

/**
 * Guest definitions in a directory, one {@code NAME.guest} file each, replaced atomically (written to a
 * temporary file in the same directory, forced to disk, renamed over the old one), so a crash never
 * leaves a half-written definition and list/status survive a restart of the application.
 */
public final class GuestDefinitionStore {
    private static final String SUFFIX = ".guest";
    private final Path dir;

    public GuestDefinitionStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    public synchronized void save(GuestDefinition definition) {
        writeAtomically(dir.resolve(definition.name() + SUFFIX), definition.format());
    }

    public synchronized Optional<GuestDefinition> load(String name) {
        Path file = dir.resolve(name + SUFFIX);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(GuestDefinition.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new VmmException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new VmmException("guest definition " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    public synchronized List<GuestDefinition> list() {
        List<GuestDefinition> all = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SUFFIX))
                    .forEach(n -> names.add(n.substring(0, n.length() - SUFFIX.length())));
        } catch (IOException e) {
            throw new VmmException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        names.sort(null);
        for (String name : names) {
            load(name).ifPresent(all::add);
        }
        return all;
    }

    public synchronized boolean delete(String name) {
        try {
            return Files.deleteIfExists(dir.resolve(name + SUFFIX));
        } catch (IOException e) {
            throw new VmmException("cannot delete the definition of " + name + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code content} to {@code file} so that readers see the old or the new content, never a mix. */
    public static void writeAtomically(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new VmmException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
