package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.host.Progress;
import org.vmm4j.image.Qcow2Options;
import org.vmm4j.image.Qcow2Writer;
import org.vmm4j.provision.AgentConfiguration;
import org.vmm4j.provision.AgentSetup;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.provision.ImageSource;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.provision.build.BaseImageRecipe;
import org.vmm4j.testsupport.RequiresHost;

/** {@code vmm4j provision}, {@code images} and {@code setup}: arguments, output, errors. No external network. */
class ProvisioningCliTest {
    private static final String KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq4yb1fdE3jT0nK0lDJrZ5h0TbGm5m2r1a5n0zq5Q0x admin@laptop";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Cli.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private int run(Cli.Command command, String... args) throws Exception {
        return command.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path base() {
        return Qcow2Writer.create(
                dir.resolve("base.qcow2"), Qcow2Options.builder(32L << 20).build());
    }

    @Test
    void provisionWithoutNameIsAUsageError() {
        assertEquals(2, run("provision", "--distro", "ubuntu-24.04"));
        assertTrue(err().contains("--name is required"), err());
        assertTrue(err().contains("usage: vmm4j provision"), err());
    }

    @Test
    void provisionNeedsExactlyOneImage() {
        assertEquals(2, run("provision", "--name", "web1", "--dir", dir.toString()));
        assertTrue(err().contains("exactly one of --distro, --built and --image"), err());
        assertEquals(2, run("provision", "--name", "web1", "--distro", "x", "--image", "/y", "--dir", dir.toString()));
    }

    @Test
    void provisionImageUrlNeedsItsDigest() {
        assertEquals(
                2, run("provision", "--name", "web1", "--image", "http://127.0.0.1:1/x.img", "--dir", dir.toString()));
        assertTrue(err().contains("needs --sha256"), err());
    }

    @Test
    void provisionRejectsBadSizesAndUnknownOptions() {
        assertEquals(2, run("provision", "--name", "web1", "--mem", "lots"));
        assertTrue(err().contains("--mem needs a size like 512M or 2G, not 'lots'"), err());
        assertEquals(2, run("provision", "--name", "web1", "--frobnicate"));
        assertTrue(err().contains("unknown option --frobnicate"), err());
        assertEquals(2, run("provision", "--name", "web1", "--cpus"));
        assertTrue(err().contains("--cpus needs a value"), err());
    }

    @Test
    void provisionParsesTheIssueExampleIntoARequest() throws Exception {
        Path pub = Files.writeString(dir.resolve("id.pub"), KEY + "\n");
        Path priv = Files.writeString(dir.resolve("id"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        Path pw = Files.writeString(dir.resolve("pw"), "Sekr1t-pass\n");

        ProvisionCommand.Options o = ProvisionCommand.parse(new String[] {
            "--name",
            "web1",
            "--distro",
            "ubuntu-24.04",
            "--mem",
            "2G",
            "--cpus",
            "2",
            "--disk",
            "20G",
            "--user",
            "admin",
            "--ssh-key",
            pub.toString(),
            "--password-file",
            pw.toString(),
            "--run",
            "sudo apt-get update",
            "--run",
            "echo done",
            "--dir",
            dir.toString(),
            "--uri",
            "test:///default",
            "--network",
            "lan"
        });

        ProvisionRequest r = o.request();
        assertEquals("web1", r.name());
        assertEquals(new ImageSource.Catalog("ubuntu-24.04"), r.image());
        assertEquals(2L << 30, r.memoryBytes());
        assertEquals(2, r.vcpus());
        assertEquals(20L << 30, r.diskBytes());
        assertEquals("admin", r.user().orElseThrow());
        assertEquals(java.util.List.of(KEY), r.sshAuthorizedKeys());
        assertEquals(priv, r.sshPrivateKey().orElseThrow(), "the private key next to the .pub is used to log in");
        assertTrue(r.hasPassword());
        assertEquals(java.util.List.of("sudo apt-get update", "echo done"), r.commands());
        assertEquals("lan", r.nic().source());
        assertEquals("test:///default", o.uri());
        assertEquals(ProvisionStep.REPORT, r.stopAfter());
        assertFalse(r.toString().contains("Sekr1t-pass"), r.toString());
    }

    @Test
    void provisionFromABuiltImageWithAnAgent() throws Exception {
        BaseImageRecipe recipe = BaseImageRecipe.named("debian-12");
        Path image = Files.createDirectories(dir.resolve("built").resolve(recipe.cacheKey()));
        base();
        Files.copy(dir.resolve("base.qcow2"), image.resolve("disk.qcow2"));
        Files.writeString(image.resolve("vmlinuz"), "kernel");
        Files.writeString(image.resolve("initrd.img"), "initrd");
        Files.writeString(image.resolve("packages.txt"), "cloud-init 22.4\n");
        Files.writeString(
                image.resolve("image.properties"),
                "recipe=debian-12\ndisk=disk.qcow2\nkernel=vmlinuz\ninitrd=initrd.img\n"
                        + "cmdline=root=/dev/vda rw console=ttyS0\nbuild-millis=77000\n");
        Path pub = Files.writeString(dir.resolve("id.pub"), KEY + "\n");
        Files.writeString(dir.resolve("id"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");

        ProvisionRequest r = ProvisionCommand.parse(new String[] {
                    "--name",
                    "agent1",
                    "--built",
                    "debian-12",
                    "--built-cache",
                    dir.resolve("built").toString(),
                    "--user",
                    "admin",
                    "--ssh-key",
                    pub.toString(),
                    "--dir",
                    dir.toString(),
                    "--agent-server",
                    "https://mgr.example.com",
                    "--agent-port",
                    "8443",
                    "--agent-https",
                    "--agent-config",
                    "/etc/agent/agent.yaml",
                    "--agent-service",
                    "agent",
                    "--agent-install",
                    "sudo apt-get install -y agent"
                })
                .request();

        ImageSource.Built source = (ImageSource.Built) r.image();
        assertEquals(image.resolve("disk.qcow2"), source.image().disk());
        AgentSetup agent = r.agent().orElseThrow();
        assertEquals(new AgentConfiguration("https://mgr.example.com", 8443, true), agent.configuration());
        assertEquals(List.of("sudo apt-get install -y agent"), agent.installCommands());
        assertEquals("agent", agent.service());
        assertEquals("/etc/agent/agent.yaml", agent.configPath());

        assertEquals(
                2,
                run(
                        "provision",
                        "--name",
                        "a2",
                        "--built",
                        "debian-12",
                        "--built-cache",
                        dir.resolve("none").toString(),
                        "--dir",
                        dir.toString()));
        assertTrue(err().contains("build it first: vmm4j images build debian-12"), err());
        assertEquals(
                2,
                run(
                        "provision",
                        "--name",
                        "a3",
                        "--image",
                        dir.resolve("base.qcow2").toString(),
                        "--agent-server",
                        "mgr",
                        "--dir",
                        dir.toString()));
        assertTrue(
                err().contains("an agent needs --agent-server, --agent-port, --agent-config and --agent-service"),
                err());
    }

    @Test
    void provisionAccelDefaultsToAutoAndRefusesUnknownNames() {
        String[] base = {"--name", "a1", "--distro", "ubuntu-24.04"};
        assertEquals(Accelerator.AUTO, ProvisionCommand.parse(base).request().accelerator());
        String[] tcg = {"--name", "a1", "--distro", "ubuntu-24.04", "--accel", "tcg"};
        assertEquals(Accelerator.TCG, ProvisionCommand.parse(tcg).request().accelerator());
        assertEquals(2, run("provision", "--name", "a1", "--distro", "ubuntu-24.04", "--accel", "hvf"));
        assertTrue(err().contains("--accel needs kvm, tcg or auto, not 'hvf'"), err());
    }

    @Test
    void provisionWithoutUriOrHypervisorFollowsTheHostsGuestManager() {
        ProvisionCommand.Options o = ProvisionCommand.parse(new String[] {"--name", "b1", "--distro", "ubuntu-24.04"});
        assertNull(o.uri(), "GuestManager.connect picks the backend's default URI");
        assertEquals(
                ProvisionCommand.defaultHypervisor(System.getProperty("os.name")),
                o.request().hypervisor());
        assertEquals("bhyve", ProvisionCommand.defaultHypervisor("FreeBSD"));
        assertEquals("openbsd-vmm", ProvisionCommand.defaultHypervisor("OpenBSD"));
        assertEquals("kvm", ProvisionCommand.defaultHypervisor("Linux"));
        assertEquals(
                "bhyve",
                ProvisionCommand.parse(
                                new String[] {"--name", "b1", "--distro", "ubuntu-24.04", "--hypervisor", "bhyve"})
                        .request()
                        .hypervisor());
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void provisionOnTestDriverWithNoWaitShowsAProgressBarAndTheSummary() {
        assertEquals(
                0,
                run(
                        "provision",
                        "--name",
                        "cli1",
                        "--image",
                        base().toString(),
                        "--uri",
                        "test:///default",
                        "--dir",
                        dir.toString(),
                        "--cache",
                        dir.resolve("cache").toString(),
                        "--mem",
                        "128M",
                        "--no-wait"),
                err());

        assertTrue(err().contains("\r[ 7/14] start guest          [####################] 100%  started cli1\n"), err());
        assertTrue(err().contains("[ 8/14] wait for IP          [####################] 100%  skipped"), err());
        assertTrue(out().startsWith("guest cli1\n"), out());
        assertTrue(out().contains("wait for IP          skipped"), out());
    }

    @Test
    @RequiresHost(files = RequiresHost.LIBVIRT_LIBRARY)
    void provisionFailureExitsOneWithTheStepAndHint() {
        // Fails before the guest exists: the test driver hands out made-up addresses, so a failure later
        // would have the SSH step knock on an address no test should contact.
        assertEquals(
                1,
                run(
                        "provision",
                        "--name",
                        "cli2",
                        "--image",
                        base().toString(),
                        "--uri",
                        "test:///default",
                        "--dir",
                        dir.toString(),
                        "--cache",
                        dir.resolve("cache").toString(),
                        "--mem",
                        "128M",
                        "--disk",
                        "1M"));

        assertTrue(
                err().contains("vmm4j provision: provisioning cli2 failed at step 4/14 (create disk): disk size "
                        + "1048576 bytes is smaller than the image's 33554432 bytes; hint: "),
                err());
        assertTrue(err().contains("[ 4/14] create disk          [????????????????????]    %  failed: "), err());
        assertFalse(Files.exists(dir.resolve("cli2.qcow2")));
    }

    @Test
    void imagesListShowsTheCatalogAndFiltersByHypervisor() {
        assertEquals(0, run("images", "list"));
        assertTrue(out().startsWith("HYPERVISOR   ID "), out());
        assertTrue(out().contains("kvm          ubuntu-24.04 "), out());
        assertTrue(out().contains("\nbhyve "), out());
        out.reset();
        assertEquals(0, run("images", "list", "--hypervisor", "openbsd-vmm"));
        assertFalse(out().contains("\nkvm "), out());
        assertTrue(out().contains("\nopenbsd-vmm "), out());
    }

    @Test
    void imagesRejectsUnknownIdsAndSubcommands() {
        assertEquals(2, run("images", "fetch", "no-such-os"));
        assertTrue(err().contains("no image 'no-such-os' for kvm"), err());
        assertEquals(2, run("images", "fetch"));
        assertTrue(err().contains("missing the ID of the image to fetch"), err());
        assertEquals(2, run("images", "burn"));
        assertTrue(err().contains("unknown images command 'burn'"), err());
        assertEquals(2, run("images", "list", "--hypervisor", "xen"));
    }

    @Test
    void imagesFetchDownloadsFromLoopbackIntoTheCache() throws Exception {
        byte[] image = Files.readAllBytes(base());
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/tiny.qcow2", exchange -> {
            exchange.sendResponseHeaders(200, image.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(image);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/tiny.qcow2";
            ImageCatalog catalog = ImageCatalog.parse("""
                    {"images": [{"id": "tiny", "hypervisor": "kvm", "distribution": "t", "version": "1", "name": "tiny",
                      "kind": "cloud-image", "url": "%s", "checksum": {"algorithm": "SHA-256", "value": "%s"},
                      "format": "qcow2", "boot": "bios", "cloudInit": true, "agent": null}]}
                    """.formatted(url, sha));

            assertEquals(
                    0,
                    run(
                            new ImagesCommand(catalog),
                            "fetch",
                            "tiny",
                            "--cache",
                            dir.resolve("cache").toString()));

            Path cached = Path.of(out().strip());
            assertTrue(cached.startsWith(dir.resolve("cache")), out());
            assertEquals(
                    sha,
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(cached))));
            assertTrue(err().contains("[ 1/1] fetch tiny           [####################] 100%  verified"), err());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void imagesBuildFindsTheRecipesImageInTheCacheAndPrintsWhatBootsIt() throws Exception {
        BaseImageRecipe recipe = BaseImageRecipe.named("debian-12")
                .withExtraPackages(List.of("curl"))
                .withRootSize(4L << 30);
        Path image = Files.createDirectories(dir.resolve("built").resolve(recipe.cacheKey()));
        base();
        Files.copy(dir.resolve("base.qcow2"), image.resolve("disk.qcow2"));
        Files.writeString(image.resolve("vmlinuz"), "kernel");
        Files.writeString(image.resolve("initrd.img"), "initrd");
        Files.writeString(image.resolve("packages.txt"), "curl 7.88\n");
        Files.writeString(
                image.resolve("image.properties"),
                "recipe=debian-12\ndisk=disk.qcow2\nkernel=vmlinuz\ninitrd=initrd.img\n"
                        + "cmdline=root=/dev/vda rw console=ttyS0\nbuild-millis=77000\n");

        assertEquals(
                0,
                run(
                        "images",
                        "build",
                        "debian-12",
                        "--out",
                        dir.resolve("built").toString(),
                        "--size",
                        "4G",
                        "--packages",
                        "curl"));

        assertTrue(out().contains("disk     " + image.resolve("disk.qcow2")), out());
        assertTrue(out().contains("kernel   " + image.resolve("vmlinuz")), out());
        assertTrue(out().contains("initrd   " + image.resolve("initrd.img")), out());
        assertTrue(out().contains("cmdline  root=/dev/vda rw console=ttyS0"), out());
        assertTrue(out().contains("cached   yes"), out());
        assertTrue(err().contains("cached image"), err());
    }

    @Test
    void imagesBuildRefusesUnknownRecipesBadPackagesAndSizesAndBuildOptionsElsewhere() {
        assertEquals(2, run("images", "build", "windows-11"));
        assertTrue(err().contains("no base image recipe 'windows-11'; known: debian-12"), err());
        assertEquals(2, run("images", "build", "debian-12", "--packages", "curl;reboot"));
        assertTrue(err().contains("not a Debian package name: 'curl;reboot'"), err());
        assertEquals(2, run("images", "build", "debian-12", "--size", "lots"));
        assertTrue(err().contains("not a disk size: 'lots'"), err());
        assertEquals(2, run("images", "list", "--size", "2G"));
        assertTrue(err().contains("--out, --size and --packages are options of images build"), err());
        assertEquals(2, run("images", "build"));
        assertTrue(err().contains("missing the recipe to build (debian-12)"), err());
    }

    @Test
    void setupPlanPrintsTheStepsForTheGivenFamily() {
        assertEquals(0, run("setup", "--plan", "--family", "fedora", "--user", "alice"));
        assertTrue(out().contains("dnf"), out());
        assertTrue(out().contains("alice"), out());
        assertTrue(out().contains(" 1. "), out());
        assertFalse(out().contains("apt-get"), out());
    }

    @Test
    void setupPlanReadsTheFamilyFromOsRelease() throws Exception {
        Path osRelease = Files.writeString(dir.resolve("os-release"), "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n");
        assertEquals(0, run("setup", "--plan", "--os-release", osRelease.toString()));
        assertTrue(out().contains("apt-get"), out());
    }

    @Test
    void setupWithoutPlanOrWithUnknownFamilyIsAUsageError() {
        assertEquals(2, run("setup"));
        assertTrue(err().contains("only --plan is supported"), err());
        assertEquals(2, run("setup", "--plan", "--family", "gentoo"));
        assertTrue(err().contains("--family must be debian, fedora, alpine or suse, not 'gentoo'"), err());
    }

    @Test
    void progressBarRendersFractionUnknownAndTruncatesLongMessages() {
        assertEquals(
                "[ 3/11] fetch image          [#########...........]  45%  12 of 27 MiB",
                ProgressBar.render(new Progress("fetch image", 3, 11, 0.45, "12 of 27 MiB")));
        assertEquals(
                "[ 8/11] wait for IP          [????????????????????]    %  no address yet",
                ProgressBar.render(new Progress("wait for IP", 8, 11, -1, "no address yet")));
        assertTrue(
                ProgressBar.render(new Progress("x", 1, 1, 0, "m".repeat(100))).endsWith("m..."));
    }
}
