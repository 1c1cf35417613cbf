package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmConfTest {

    static final String SAMPLE = """
            # global settings
            local prefix 10.0.0.0/8
            socket owner :vmusers

            switch "uplink" {
            	interface bridge0
            	locked lladdr
            }

            vm "web1" {
            	memory 1G
            	disk "/var/vm/web1.qcow2" format qcow2
            	cdrom "/var/iso/install74.iso"   # installer
            	boot device cdrom
            	interface { switch "uplink"; lladdr fe:e1:ba:d0:00:01 }
            	local interface tap7 {
            		group guests
            	}
            	owner alice:staff
            	allow instance { memory }
            }

            vm "off" { disable; memory 512 }
            """;

    @Test
    void parsesSwitchAndVmBlocksWithTheirStatements() {
        VmConf conf = VmConfParser.parse(SAMPLE);
        assertEquals(List.of("local prefix 10.0.0.0/8", "socket owner :vmusers"), conf.globals());
        VmConf.Switch sw = conf.switchNamed("uplink").orElseThrow();
        assertEquals("bridge0", sw.interfaceName());
        assertTrue(sw.lockedLladdr());
        VmConf.Vm web = conf.vm("web1").orElseThrow();
        assertEquals(1L << 30, web.memoryBytes());
        assertEquals(new VmConf.Disk("/var/vm/web1.qcow2", "qcow2"), web.disks().get(0));
        assertEquals("/var/iso/install74.iso", web.cdrom());
        assertEquals("cdrom", web.bootDevice());
        assertEquals("uplink", web.interfaces().get(0).switchName());
        assertEquals("fe:e1:ba:d0:00:01", web.interfaces().get(0).lladdr());
        assertTrue(web.interfaces().get(1).local());
        assertEquals("tap7", web.interfaces().get(1).name());
        assertEquals("guests", web.interfaces().get(1).group());
        assertEquals("alice:staff", web.owner());
        assertEquals(List.of("allow instance { memory }"), web.extra());
        VmConf.Vm off = conf.vm("off").orElseThrow();
        assertTrue(off.disabled());
        assertEquals(512L << 20, off.memoryBytes());
    }

    @Test
    void renderedConfigurationParsesBackToTheSameModel() {
        VmConf conf = VmConfParser.parse(SAMPLE);
        VmConf again = VmConfParser.parse(conf.render());
        assertEquals(conf, again);
        assertEquals(conf.render(), again.render());
    }

    @Test
    void rendersAGuestBlockInVmConfSyntax() {
        VmConf conf = VmConf.empty()
                .withSwitch(VmConf.Switch.of("uplink", "bridge0"))
                .withVm(new VmConf.Vm(
                        "db",
                        false,
                        2L << 30,
                        List.of(new VmConf.Disk("/var/vm/db.img", "raw")),
                        null,
                        null,
                        "disk",
                        List.of(VmConf.Interface.onSwitch("uplink")),
                        0,
                        "bob",
                        List.of()));
        assertEquals("""
                switch "uplink" {
                	interface bridge0
                }

                vm "db" {
                	owner bob
                	memory 2G
                	boot device disk
                	disk "/var/vm/db.img" format raw
                	interface {
                		switch "uplink"
                	}
                }
                """, conf.render());
    }

    @Test
    void replacingAVmKeepsItsPlaceAndRemovingDropsOnlyIt() {
        VmConf conf = VmConfParser.parse(SAMPLE);
        VmConf changed = conf.withVm(conf.vm("web1").orElseThrow().withMemory(4L << 30));
        assertEquals(
                List.of("web1", "off"),
                changed.vms().stream().map(VmConf.Vm::name).toList());
        assertEquals(4L << 30, changed.vm("web1").orElseThrow().memoryBytes());
        VmConf removed = changed.withoutVm("web1");
        assertEquals(List.of("off"), removed.vms().stream().map(VmConf.Vm::name).toList());
        assertEquals(conf.switches(), removed.switches());
    }

    @Test
    void sizesUseTheLargestExactUnit() {
        assertEquals("512M", VmConf.formatSize(512L << 20));
        assertEquals("3G", VmConf.formatSize(3L << 30));
        assertEquals("1536M", VmConf.formatSize(1536L << 20));
        assertEquals(1536L << 20, VmConfParser.parseSize("1536M"));
        assertEquals(2L << 30, VmConfParser.parseSize("2g"));
    }

    @Test
    void rejectsMalformedFilesWithTheLine() {
        VmConfParser.VmConfException e =
                assertThrows(VmConfParser.VmConfException.class, () -> VmConfParser.parse("vm \"a\" {\n\tmemory 1G\n"));
        assertTrue(e.getMessage().contains("end of file"), e.getMessage());
        e = assertThrows(VmConfParser.VmConfException.class, () -> VmConfParser.parse("vm \"a\" {\n\tdisk\n}\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VmConfParser.parse("vm \"a;rm\" { }\n"));
    }

    @Test
    void everyRefusalIsAVmConfExceptionNamingTheLine() {
        // were ArithmeticException (overflow) and plain IllegalArgumentExceptions from the model
        for (String text : List.of(
                "vm \"a\" {\n\tmemory 99999999999T\n}\n",
                "vm \"a;rm\" { }\n",
                "switch \"a b\" { }\n",
                "vm \"a\" { disk \"/1\"; disk \"/2\"; disk \"/3\"; disk \"/4\"; disk \"/5\" }\n",
                "vm \"a\" {\n\tinterfaces -1\n}\n",
                "vm \"a\" {\n\tinterfaces 5\n}\n",
                "vm \"a\" {\n\tmemory -5M\n}\n",
                "vm \"a\" {\n\tmemory \u0665M\n}\n")) {
            VmConfParser.VmConfException e =
                    assertThrows(VmConfParser.VmConfException.class, () -> VmConfParser.parse(text), text);
            assertTrue(e.getMessage().startsWith("vm.conf line "), e.getMessage());
        }
    }

    @Test
    void whatParsesRendersBackToTheSameValue() {
        // "memory 1000B" rendered as "memory 1000", which vmd and the parser read as 1000 MiB
        VmConf bytes = VmConfParser.parse("vm \"a\" { memory 1000B }\n");
        assertEquals(1000, bytes.vm("a").orElseThrow().memoryBytes());
        assertEquals(bytes, VmConfParser.parse(bytes.render()));
        // a bare backslash before the end of a statement rendered as a line continuation
        VmConf slash = VmConfParser.parse("a \\ \nb\n");
        assertEquals(2, slash.globals().size(), slash.globals().toString());
        assertEquals(slash, VmConfParser.parse(slash.render()));
    }

    @Test
    void theFuzzSeedsCoverEveryStatementAndTheRefusals() throws java.io.IOException {
        VmConf every = VmConfParser.parse(seed("every-statement.conf"));
        assertEquals(
                List.of(
                        "local prefix 100.64.0.0/10",
                        "local inet6 prefix fd00:0:0:1::/64",
                        "socket owner _vmd:wheel",
                        "staggered start parallel 4 delay 30",
                        "agentx context \"vmd\""),
                every.globals());
        VmConf.Switch lan = every.switchNamed("lan").orElseThrow();
        assertEquals(new VmConf.Switch("lan", "veb0", false, "lanvms", true, 3, true, List.of()), lan);
        VmConf.Vm vm = every.vm("every.thing-1").orElseThrow();
        assertEquals(1536L << 20, vm.memoryBytes());
        assertEquals("/bsd.rd", vm.bootImage());
        assertEquals("net", vm.bootDevice());
        assertEquals(3, vm.disks().size());
        assertEquals(3, vm.interfaceCount());
        assertEquals(
                new VmConf.Interface(false, "tap4", "lan", "fe:e1:ba:d0:4a:01", true, "lanvms", 2, true),
                vm.interfaces().get(0));
        assertTrue(vm.interfaces().get(2).local());
        assertEquals(
                List.of(
                        "allow instance { boot, disk, instance, interface, memory }",
                        "instance \"child\" { memory 256M }",
                        "sev"),
                vm.extra());
        assertEquals(1L << 20, every.vm("bytes").orElseThrow().memoryBytes());
        for (String ok : List.of("sample.conf", "manpage.conf", "continuations.conf")) {
            assertFalse(VmConfParser.parse(seed(ok)).items().isEmpty(), ok);
        }
        for (String bad : List.of("unterminated.conf", "unbalanced.conf", "bad-values.conf")) {
            assertThrows(VmConfParser.VmConfException.class, () -> VmConfParser.parse(seed(bad)), bad);
        }
    }

    private static String seed(String name) throws java.io.IOException {
        try (java.io.InputStream in =
                VmConfTest.class.getResourceAsStream("VmConfParserFuzzTestInputs/vmConf/" + name)) {
            assertTrue(in != null, name + " is in the seed corpus");
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void refusesNamesAndPathsThatWouldBreakTheFile() {
        assertThrows(IllegalArgumentException.class, () -> VmConf.Vm.of("bad name", 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new VmConf.Disk("/x\"y", null));
        assertThrows(IllegalArgumentException.class, () -> new VmConf.Disk("relative.img", null));
    }

    @Test
    void topLevelCommentsKeepTheirPlaceAndOrderIsPreserved() {
        VmConf conf =
                VmConfParser.parse("vm \"a\" {\n}\n# BEGIN vmm4j switch-s\nswitch \"s\" {\n\tinterface bridge0\n}\n"
                        + "# END vmm4j switch-s\nlocal prefix 10.0.0.0/8\n");
        assertEquals("""
                vm "a" {
                }

                # BEGIN vmm4j switch-s
                switch "s" {
                	interface bridge0
                }
                # END vmm4j switch-s
                local prefix 10.0.0.0/8
                """, conf.render());
        assertEquals(conf, VmConfParser.parse(conf.render()));
    }

    @Test
    void planMaintainedSwitchBlockSurvivesGuestEditsAndReapplyingChangesNothing(@TempDir Path dir) {
        Path file = dir.resolve("vm.conf");
        org.vmm4j.host.PlanStep step =
                org.vmm4j.openbsd.host.OpenBsdPlans.bridgedNetwork("uplink", "bridge0", "em0").steps().stream()
                        .filter(s -> s instanceof org.vmm4j.host.PlanStep.EnsureBlock)
                        .findFirst()
                        .orElseThrow();
        org.vmm4j.host.PlanStep.EnsureBlock block = (org.vmm4j.host.PlanStep.EnsureBlock) step;
        org.vmm4j.host.HostPlan plan = new org.vmm4j.host.HostPlan(
                "switch",
                List.of(new org.vmm4j.host.PlanStep.EnsureBlock(
                        block.description(), file, block.marker(), block.content(), false)));
        org.vmm4j.host.CommandExecutor files = new org.vmm4j.host.CommandExecutor() {
            @Override
            public org.vmm4j.host.CommandResult run(List<String> command) {
                throw new AssertionError("no programs");
            }

            @Override
            public java.util.Optional<String> readFile(Path f) {
                try {
                    return Files.exists(f) ? java.util.Optional.of(Files.readString(f)) : java.util.Optional.empty();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public void writeFile(Path f, String content) {
                try {
                    Files.writeString(f, content);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public boolean exists(Path f) {
                return Files.exists(f);
            }
        };
        plan.apply(files, p -> {});
        VmConfFile conf = new VmConfFile(file);
        conf.write(conf.read().withVm(VmConf.Vm.of("web1", 1L << 30)));
        org.vmm4j.host.HostPlan.Outcome again = plan.apply(files, p -> {});
        assertEquals(1, again.skipped().size(), "the block is still there, unchanged");
        VmConf after = conf.read();
        assertEquals(1, after.switches().size());
        assertTrue(after.vm("web1").isPresent());
    }

    @Test
    void fileIsReplacedAtomicallyAndReadBack(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("vm.conf");
        VmConfFile file = new VmConfFile(path);
        assertEquals(VmConf.empty(), file.read());
        VmConf conf = VmConfParser.parse(SAMPLE);
        file.write(conf);
        assertEquals(conf, file.read());
        file.write(conf.withoutVm("off"));
        assertFalse(file.read().vm("off").isPresent());
        try (var list = Files.list(dir)) {
            assertEquals(List.of(path), list.toList(), "no temporary file is left behind");
        }
        assertEquals(
                "rw-r--r--",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
    }
}
