package org.vmm4j.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What a skip tells the reader to install is what .ci/test installs. */
class AptPackagesTest {

    @Test
    void ciTestInstallsEveryPackageASkipCanName() throws Exception {
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve(".ci/test");
        Matcher m = Pattern.compile("(?s)\\npackages=\\(([^)]*)\\)").matcher(Files.readString(script));
        assertTrue(m.find(), "no packages=(...) in " + script);
        Set<String> installed = new TreeSet<>(List.of(m.group(1).trim().split("\\s+")));
        Set<String> named = AptPackages.all();
        assertTrue(named.size() > 15, named.toString());
        named.removeAll(installed);
        assertEquals(Set.of(), named, "named in skip messages but not installed by .ci/test");
    }

    @Test
    void ciTestInstallsEveryPackageTheGuestKernelBuildNeeds() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        Set<String> installed = packages(root.resolve(".ci/test"), "\\npackages=\\(([^)]*)\\)");
        Set<String> needed = packages(root.resolve(GuestKernel.SCRIPT), "\\nreadonly PACKAGES=\\(([^)]*)\\)");
        assertTrue(needed.contains("linux-source-6.1"), needed.toString());
        needed.removeAll(installed);
        assertEquals(Set.of(), needed, "needed by " + GuestKernel.SCRIPT + " but not installed by .ci/test");
    }

    private static Set<String> packages(Path script, String list) throws Exception {
        Matcher m = Pattern.compile("(?s)" + list).matcher(Files.readString(script));
        assertTrue(m.find(), "no " + list + " in " + script);
        return new TreeSet<>(List.of(m.group(1).trim().split("\\s+")));
    }
}
