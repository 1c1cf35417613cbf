package org.vmm4j.linux.provision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.Guest;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.guest.GuestState;
import org.vmm4j.host.CommandResult;
import org.vmm4j.host.Progress;
import org.vmm4j.image.Qcow2Image;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.provision.GuestProvisioner;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.provision.ImageDownloader;
import org.vmm4j.provision.ProvisionException;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionResult;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.testsupport.RequiresHost;

/**
 * The whole workflow against libvirt's test driver ({@code test:///default}, no daemon), with the
 * catalog image served from a loopback HTTP server. The IP step is real: the test driver answers
 * lease queries with a made-up 192.168.122.x address. No guest owns that address, so the SSH and
 * command steps are fakes here (they must never knock on it); they run for real against sshd in
 * core's tests.
 */
@RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
class ProvisionOnTestDriverTest {
    private static final String KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4yb1fdE3jT0nK0lDJrZ5h0TbGm5m2r1a5n0zq5Q0x admin@laptop";

    @TempDir
    Path dir;

    private GuestManager libvirt;
    private LoopbackImageServer http;
    private ImageCatalog catalog;
    private final List<Progress> events = new CopyOnWriteArrayList<>();
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        libvirt = GuestManager.connect("test:///default");
        http = new LoopbackImageServer();
        Path base = Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(32L << 20).build());
        byte[] image = Files.readAllBytes(base);
        catalog = ImageCatalog.parse(LoopbackImageServer.catalogJson(
                "tiny-1", http.serve("/images/tiny.qcow2", image), LoopbackImageServer.sha256(image)));
        Files.createDirectories(dir.resolve("work"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (http != null) {
            http.close();
        }
        if (libvirt != null) {
            libvirt.close();
        }
    }

    private GuestProvisioner.Builder provisioner() {
        return GuestProvisioner.builder(libvirt)
                .catalog(catalog)
                .downloader(new ImageDownloader(dir.resolve("cache")))
                .sshWaiter((host, port, timeout, r) -> "SSH-2.0-FakeForTestDriver")
                .commandRunner((target, lines, timeout, r) -> {
                    ran.addAll(lines);
                    return lines.stream()
                            .map(l -> new CommandResult(List.of(l), 0, "", ""))
                            .toList();
                })
                .listener(events::add);
    }

    private ProvisionRequest.Builder request(String name) {
        return ProvisionRequest.builder(name)
                .catalogImage("tiny-1")
                .workDirectory(dir.resolve("work"))
                .memoryBytes(128L << 20)
                .vcpus(1)
                .diskBytes(64L << 20)
                .user("admin")
                .sshAuthorizedKey(KEY)
                .password("not-in-logs".toCharArray())
                .command("echo hello");
    }

    @Test
    void provisionsOnTestDriverWithFakeSshAndCommandSteps() throws Exception {
        String name = "prov-td-" + ProcessHandle.current().pid();
        ProvisionResult result = provisioner().build().provision(request(name).build());
        try {
            Guest guest = libvirt.find(name).orElseThrow();
            assertEquals(GuestState.RUNNING, guest.state());
            assertEquals(result.uuid(), guest.uuid());
            List<DiskSpec> disks = guest.spec().disks();
            assertTrue(
                    disks.stream().anyMatch(d -> d.source().equals(result.disk().toString())), disks.toString());
            assertTrue(
                    disks.stream()
                            .anyMatch(d ->
                                    d.cdrom() && d.source().equals(result.seed().toString())),
                    disks.toString());
            assertTrue(
                    result.address().orElseThrow().matches("\\d+\\.\\d+\\.\\d+\\.\\d+"),
                    result.address().toString());
            assertEquals(List.of(GuestProvisioner.LOGIN_CHECK, "echo hello"), ran, "the login check, then the command");
            try (Qcow2Image disk = Qcow2Image.open(result.disk())) {
                assertTrue(
                        disk.header()
                                .backingFile()
                                .orElseThrow()
                                .startsWith(dir.resolve("cache").toString()),
                        "overlay on the cached download");
            }
            assertTrue(events.stream()
                    .anyMatch(p -> p.step().equals("fetch image") && p.message().startsWith("cached as")));
            assertEquals(ProvisionStep.count(), events.get(events.size() - 1).index());
            assertTrue(guest.spec().guestAgent(), "the guest agent's channel is defined");
            assertFalse(events.toString().contains("not-in-logs"));
        } finally {
            libvirt.find(name).ifPresent(g -> {
                g.destroy();
                g.undefine();
            });
        }
    }

    @Test
    void rollbackOnTestDriverLeavesNothingBehindWhenIpStepFails() {
        String name = "prov-rb-" + ProcessHandle.current().pid();
        ProvisionRequest request = request(name).build();
        GuestProvisioner p = provisioner()
                .addressWaiter((guest, timeout, r) -> {
                    throw new IllegalStateException("no DHCP lease for " + guest.name() + " (failed on purpose)");
                })
                .build();

        ProvisionException e = assertThrows(ProvisionException.class, () -> p.provision(request));

        assertEquals(ProvisionStep.WAIT_FOR_IP, e.step());
        assertTrue(e.getMessage().contains("failed on purpose"), e.getMessage());
        assertEquals(3, e.rolledBack().size(), e.rolledBack().toString());
        assertEquals(0, e.getSuppressed().length);
        assertTrue(libvirt.find(name).isEmpty(), "no domain");
        assertFalse(Files.exists(request.diskPath()), "no disk");
        assertFalse(Files.exists(request.seedPath()), "no seed");
        assertTrue(ran.isEmpty());
    }
}
