package org.vmm4j.provision.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The packages installed in a Debian tree, read from its {@code var/lib/dpkg/status}: a package counts
 * when its stanza says {@code Status: install ok installed}.
 */
final class DpkgStatus {
    static final String FILE = "var/lib/dpkg/status";

    private DpkgStatus() {}

    /** Installed package names with their versions, in name order. */
    static Map<String, String> installed(Path tree) {
        Path file = tree.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ImageBuildException("cannot read the package database " + file + ": " + e.getMessage(), e);
        }
        return parse(text);
    }

    static Map<String, String> parse(String status) {
        Map<String, String> installed = new TreeMap<>();
        for (String stanza : status.split("\n\n")) {
            String name = null;
            String version = null;
            boolean ok = false;
            for (String line : stanza.split("\n")) {
                if (line.startsWith("Package: ")) {
                    name = line.substring("Package: ".length()).strip();
                } else if (line.startsWith("Version: ")) {
                    version = line.substring("Version: ".length()).strip();
                } else if (line.startsWith("Status: ")) {
                    ok = line.substring("Status: ".length()).strip().equals("install ok installed");
                }
            }
            if (name != null && ok) {
                installed.put(name, version == null ? "" : version);
            }
        }
        return installed;
    }
}
