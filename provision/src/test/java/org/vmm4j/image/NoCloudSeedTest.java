package org.vmm4j.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.testsupport.RequiresHost;

/** Our seed ISO against cloud-localds (genisoimage) for the same input. */
class NoCloudSeedTest {
    @TempDir
    Path dir;

    private NoCloudSeed seed() {
        return new NoCloudSeed(
                CloudConfigTest.sample(), new MetaData("iid-web1", "web1"), Optional.of(NetworkConfig.dhcpOn("en*")));
    }

    @Test
    @RequiresHost(tools = {"cloud-localds", "bsdtar", "xorriso"})
    void seedIsoHasSameFileNamesAndContentsAsCloudLocalds() throws Exception {
        NoCloudSeed seed = seed();
        Path ours = seed.writeIso(dir.resolve("ours.iso"), CreateMode.FAIL_IF_EXISTS);
        Path inputs = Files.createDirectory(dir.resolve("in"));
        for (IsoFile f : seed.files()) {
            Files.write(inputs.resolve(f.name()), f.content());
        }
        Path theirs = dir.resolve("theirs.iso");
        ExternalTool.ok(List.of(
                "cloud-localds",
                "-N",
                inputs.resolve("network-config").toString(),
                theirs.toString(),
                inputs.resolve("user-data").toString(),
                inputs.resolve("meta-data").toString()));

        Path oursOut = extract(ours, "ours-x");
        Path theirsOut = extract(theirs, "theirs-x");
        Set<String> names = names(theirsOut);
        assertEquals(Set.of("user-data", "meta-data", "network-config"), names);
        assertEquals(names, names(oursOut));
        for (String name : names) {
            assertArrayEquals(
                    Files.readAllBytes(theirsOut.resolve(name)), Files.readAllBytes(oursOut.resolve(name)), name);
        }
        assertEquals(Iso9660WriterTest.xorrisoNames(theirs), Iso9660WriterTest.xorrisoNames(ours));
    }

    @Test
    @RequiresHost(tools = "isoinfo")
    void seedIsoCarriesVolumeIdCidataWithJolietAndRockRidgeLikeCloudLocalds() {
        Path ours = seed().writeIso(dir.resolve("seed.iso"), CreateMode.FAIL_IF_EXISTS);
        String info = ExternalTool.ok(List.of("isoinfo", "-d", "-J", "-R", "-i", ours.toString()));
        assertTrue(info.contains("Volume id: cidata"), info);
        assertTrue(info.contains("Joliet"), info);
        assertTrue(info.contains("Rock Ridge"), info);
        String joliet = ExternalTool.ok(List.of("isoinfo", "-J", "-f", "-i", ours.toString()));
        assertTrue(joliet.contains("/network-config"), joliet);
    }

    @Test
    void withoutNetworkConfigTheSeedHoldsTwoFiles() {
        NoCloudSeed seed = new NoCloudSeed(CloudConfig.builder().hostname("db").build(), new MetaData("iid-db", "db"));
        assertEquals(
                List.of("user-data", "meta-data"),
                seed.files().stream().map(IsoFile::name).toList());
        assertTrue(!seed.toString().contains("#cloud-config"), seed.toString());
    }

    private Path extract(Path iso, String name) throws Exception {
        Path out = Files.createDirectory(dir.resolve(name));
        ExternalTool.ok(List.of("bsdtar", "-xf", iso.toString(), "-C", out.toString()));
        return out;
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
