package org.vmm4j.examples;

import static org.vmm4j.examples.CliOptions.accelerator;
import static org.vmm4j.examples.CliOptions.integer;
import static org.vmm4j.examples.CliOptions.seconds;
import static org.vmm4j.examples.CliOptions.size;
import static org.vmm4j.examples.CliText.t;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.provision.AgentConfiguration;
import org.vmm4j.provision.AgentSetup;
import org.vmm4j.provision.ExpectedDigest;
import org.vmm4j.provision.GuestProvisioner;
import org.vmm4j.provision.ImageDownloader;
import org.vmm4j.provision.ImageSource;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionResult;
import org.vmm4j.provision.ProvisionStep;
import org.vmm4j.provision.build.BaseImageBuilder;
import org.vmm4j.provision.build.BaseImageRecipe;

/**
 * {@code vmm4j provision --name web1 (--distro ubuntu-24.04 | --built debian-12 | --image FILE | --image URL --sha256 HEX)
 * [--mem 2G] [--cpus 2] [--disk 20G] [--user admin] [--ssh-key ~/.ssh/id.pub] [--identity KEY]
 * [--password-file FILE] [--run 'cmd']... [--network default | --bridge br0] [--uri URI]
 * [--dir DIR] [--cache DIR] [--hypervisor kvm] [--no-wait] [--ip-timeout S] [--ssh-timeout S]
 * [--agent-server URL --agent-port N [--agent-https] --agent-config PATH --agent-service UNIT
 * [--agent-install CMD]...]}:
 * creates a guest with {@link GuestProvisioner}, progress as a bar on stderr, the summary on stdout.
 * Without {@code --uri} the guest goes to the host's own manager ({@link GuestManager#connect(String)}
 * with {@code null}: libvirt's {@code qemu:///system} on Linux, bhyve on FreeBSD, vmd on OpenBSD);
 * without {@code --hypervisor} it takes the images of the host's hypervisor ({@link #defaultHypervisor}).
 */
final class ProvisionCommand implements Cli.Command {
    static final CommandSpec SPEC = new CommandSpec(
            "provision",
            "create a guest from a cloud image: --name N --distro ID [--mem 2G --cpus 2 --disk 20G --user U --ssh-key PUB --run CMD]",
            "--name NAME (--distro ID | --built NAME | --image FILE | --image URL --sha256 HEX)"
                    + " [--mem 2G] [--cpus N] [--disk 20G] [--user U] [--ssh-key PUB] [--identity KEY] [--password-file F]"
                    + " [--run CMD]... [--network N | --bridge BR] [--uri URI] [--dir DIR] [--cache DIR] [--hypervisor K]"
                    + " [--no-wait] [--ip-timeout S] [--ssh-timeout S] [--agent-server URL --agent-port N [--agent-https]"
                    + " --agent-config PATH --agent-service UNIT [--agent-install CMD]...]",
            List.of(
                    Option.value("--name", "NAME", "the new guest's name (required)"),
                    Option.value("--distro", "ID", "an image of the catalog (see vmm4j images list)"),
                    Option.value(
                            "--built", "NAME", "a base image built here (vmm4j images build NAME), booted directly"),
                    Option.value(
                            "--built-cache", "DIR", "where built images are (default: ~/.cache/vmm4j/base-images)"),
                    Option.value("--image", "FILE|URL", "a cloud image file, or a URL with --sha256"),
                    Option.value("--sha256", "HEX", "the digest a downloaded --image URL must have"),
                    Option.value("--mem", "SIZE", "guest memory, e.g. 2G"),
                    Option.value("--cpus", "N", "number of vCPUs"),
                    Option.value("--disk", "SIZE", "the guest disk's size, e.g. 20G"),
                    Option.value("--user", "U", "the user cloud-init creates"),
                    Option.value("--ssh-key", "PUB", "the public key the user may log in with"),
                    Option.value("--identity", "KEY", "the private key to reach the guest (default: PUB without .pub)"),
                    Option.value("--password-file", "F", "the user's password, the first line of F"),
                    Option.value("--run", "CMD", "a command to run in the guest once it is up (repeatable)"),
                    Option.value("--network", "N", "the libvirt network to attach to"),
                    Option.value("--bridge", "BR", "the host bridge to attach to (instead of --network)"),
                    Option.value("--uri", "URI", "the guest manager (default: the host's own)"),
                    Option.value("--accel", "A", "kvm, tcg or auto (default: auto; vmm4j info says which)"),
                    Option.value("--dir", "DIR", "where the guest's disk and seed image go"),
                    Option.value("--cache", "DIR", "where images are cached (default: ~/.cache/vmm4j/images)"),
                    Option.value("--hypervisor", "K", "whose images to use (default: the host's hypervisor)"),
                    Option.flag("--no-wait", "return once the guest is started, without waiting for SSH"),
                    Option.value("--ip-timeout", "S", "seconds to wait for the guest's address"),
                    Option.value("--ssh-timeout", "S", "seconds to wait for SSH"),
                    Option.value("--agent-server", "URL", "the management server the agent reports to"),
                    Option.value("--agent-port", "N", "the management server's port"),
                    Option.flag("--agent-https", "the agent talks HTTPS to the server"),
                    Option.value("--agent-config", "PATH", "where the agent's configuration goes in the guest"),
                    Option.value("--agent-service", "UNIT", "the agent's systemd unit, started and checked active"),
                    Option.value("--agent-install", "CMD", "a command installing the agent (repeatable)")),
            "vmm4j provision --name web1 --distro ubuntu-24.04 --mem 2G --ssh-key ~/.ssh/id_ed25519.pub");

    /** The parsed command line: what to create, and where ({@code uri} null: the backend's default). */
    record Options(ProvisionRequest request, String uri, Path cache) {}

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options options = parse(args);
        // The progress bar shows each step; the provisioner's per-step log lines would only repeat it.
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.org.vmm4j.provision", "warn");
        try (GuestManager manager = GuestManager.connect(options.uri())) {
            GuestProvisioner provisioner = GuestProvisioner.builder(manager)
                    .downloader(new ImageDownloader(options.cache()))
                    .listener(new ProgressBar(err))
                    .build();
            ProvisionResult result = provisioner.provision(options.request());
            out.print(result.summary(CliText.locale()));
            return 0;
        } finally {
            options.request().clearPassword();
        }
    }

    static Options parse(String[] args) {
        Arguments a = new Arguments(args, SPEC);
        String name = a.option("--name").orElse(null);
        String distro = a.option("--distro").orElse(null);
        String image = a.option("--image").orElse(null);
        String built = a.option("--built").orElse(null);
        Path builtCache =
                a.option("--built-cache").map(ProvisionCommand::path).orElse(BaseImageBuilder.defaultCacheDirectory());
        String agentServer = a.option("--agent-server").orElse(null);
        String agentPort = a.option("--agent-port").orElse(null);
        boolean agentHttps = a.flag("--agent-https");
        String agentConfig = a.option("--agent-config").orElse(null);
        String agentService = a.option("--agent-service").orElse(null);
        List<String> agentInstall = a.options("--agent-install");
        String sha256 = a.option("--sha256").orElse(null);
        String uri = a.option("--uri").orElse(null);
        Path cache = a.option("--cache").map(ProvisionCommand::path).orElse(defaultCache());
        Path publicKey = a.option("--ssh-key").map(ProvisionCommand::path).orElse(null);
        Path identity = a.option("--identity").map(ProvisionCommand::path).orElse(null);
        Path passwordFile =
                a.option("--password-file").map(ProvisionCommand::path).orElse(null);
        ProvisionRequest.Builder b = ProvisionRequest.builder(null)
                .hypervisor(a.option("--hypervisor").orElse(defaultHypervisor(System.getProperty("os.name"))));
        a.option("--mem").ifPresent(v -> b.memoryBytes(size(v, "--mem")));
        a.option("--cpus").ifPresent(v -> b.vcpus(integer(v, "--cpus")));
        a.option("--disk").ifPresent(v -> b.diskBytes(size(v, "--disk")));
        a.option("--user").ifPresent(b::user);
        a.options("--run").forEach(b::command);
        a.option("--network").ifPresent(b::network);
        a.option("--bridge").ifPresent(b::bridge);
        a.option("--dir").map(ProvisionCommand::path).ifPresent(b::workDirectory);
        a.option("--accel").ifPresent(v -> b.accelerator(accelerator(v, "--accel")));
        if (a.flag("--no-wait")) {
            b.stopAfter(ProvisionStep.START_GUEST);
        }
        a.option("--ip-timeout").ifPresent(v -> b.addressTimeout(seconds(v, "--ip-timeout")));
        a.option("--ssh-timeout").ifPresent(v -> b.sshTimeout(seconds(v, "--ssh-timeout")));
        a.end();
        if (name == null) {
            throw a.error(t("provision.name-required"));
        }
        ProvisionRequest.Builder request = b.name(name);
        if ((distro != null ? 1 : 0) + (image != null ? 1 : 0) + (built != null ? 1 : 0) != 1) {
            throw a.error(t("provision.one-source"));
        }
        if (agentServer != null
                || agentPort != null
                || agentConfig != null
                || agentService != null
                || !agentInstall.isEmpty()
                || agentHttps) {
            if (agentServer == null || agentPort == null || agentConfig == null || agentService == null) {
                throw a.error(t("provision.agent-options"));
            }
            request.agent(AgentSetup.of(
                    agentInstall,
                    agentConfig,
                    new AgentConfiguration(agentServer, integer(agentPort, "--agent-port"), agentHttps),
                    agentService));
        }
        if (built != null) {
            BaseImageBuilder builder = new BaseImageBuilder(builtCache);
            request.builtImage(builder.cached(BaseImageRecipe.named(built))
                    .orElseThrow(() -> new IllegalArgumentException(t(
                            "provision.no-built-image",
                            built,
                            builder.cacheDirectory().toString()))));
        } else if (distro != null) {
            request.catalogImage(distro);
        } else if (image.startsWith("http://") || image.startsWith("https://")) {
            if (sha256 == null) {
                throw new IllegalArgumentException(t("provision.url-needs-sha256"));
            }
            request.image(ImageSource.url(URI.create(image), ExpectedDigest.sha256(sha256)));
        } else {
            request.image(ImageSource.file(path(image)));
        }
        if (publicKey != null) {
            request.sshAuthorizedKey(firstLine(publicKey, "--ssh-key"));
            if (identity == null && publicKey.toString().endsWith(".pub")) {
                Path privateKey = Path.of(
                        publicKey.toString().substring(0, publicKey.toString().length() - 4));
                if (Files.isReadable(privateKey)) {
                    identity = privateKey;
                }
            }
        }
        if (identity != null) {
            request.sshPrivateKey(identity);
        }
        if (passwordFile != null) {
            char[] password = firstLine(passwordFile, "--password-file").toCharArray();
            request.password(password);
            Arrays.fill(password, '\0');
        }
        ProvisionRequest made = request.build();
        made.validate();
        return new Options(made, uri, cache);
    }

    /** The hypervisor kind of the host's guest manager: bhyve on FreeBSD, openbsd-vmm on OpenBSD, else kvm. */
    static String defaultHypervisor(String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        return os.startsWith("freebsd") ? "bhyve" : os.startsWith("openbsd") ? "openbsd-vmm" : "kvm";
    }

    private static String firstLine(Path file, String option) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                throw new IllegalArgumentException(t("provision.file-empty", option, file.toString()));
            }
            return lines.get(0).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    t("provision.cannot-read", option, file.toString(), String.valueOf(e.getMessage())));
        }
    }

    static Path path(String text) {
        if (text.equals("~") || text.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + text.substring(1)).toAbsolutePath();
        }
        return Path.of(text).toAbsolutePath();
    }

    static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vmm4j").resolve("images");
    }
}
