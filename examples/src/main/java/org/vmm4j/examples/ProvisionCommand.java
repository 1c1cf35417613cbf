package org.vmm4j.examples;

import static org.vmm4j.examples.CliOptions.integer;
import static org.vmm4j.examples.CliOptions.seconds;
import static org.vmm4j.examples.CliOptions.size;
import static org.vmm4j.examples.CliOptions.value;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.vmm4j.guest.GuestManager;
import org.vmm4j.provision.ExpectedDigest;
import org.vmm4j.provision.GuestProvisioner;
import org.vmm4j.provision.ImageDownloader;
import org.vmm4j.provision.ImageSource;
import org.vmm4j.provision.ProvisionRequest;
import org.vmm4j.provision.ProvisionResult;
import org.vmm4j.provision.ProvisionStep;

/**
 * {@code vmm4j provision --name web1 (--distro ubuntu-24.04 | --image FILE | --image URL --sha256 HEX)
 * [--mem 2G] [--cpus 2] [--disk 20G] [--user admin] [--ssh-key ~/.ssh/id.pub] [--identity KEY]
 * [--password-file FILE] [--run 'cmd']... [--network default | --bridge br0] [--uri URI]
 * [--dir DIR] [--cache DIR] [--hypervisor kvm] [--no-wait] [--ip-timeout S] [--ssh-timeout S]}:
 * creates a guest with {@link GuestProvisioner}, progress as a bar on stderr, the summary on stdout.
 * Without {@code --uri} the guest goes to the host's own manager ({@link GuestManager#connect(String)}
 * with {@code null}: libvirt's {@code qemu:///system} on Linux, bhyve on FreeBSD, vmd on OpenBSD);
 * without {@code --hypervisor} it takes the images of the host's hypervisor ({@link #defaultHypervisor}).
 */
final class ProvisionCommand implements Cli.Command {
    static final String USAGE =
            "usage: vmm4j provision --name NAME (--distro ID | --image FILE | --image URL --sha256 HEX)"
                    + " [--mem 2G] [--cpus N] [--disk 20G] [--user U] [--ssh-key PUB] [--identity KEY] [--password-file F]"
                    + " [--run CMD]... [--network N | --bridge BR] [--uri URI] [--dir DIR] [--cache DIR] [--hypervisor K]"
                    + " [--no-wait] [--ip-timeout S] [--ssh-timeout S]";

    /** The parsed command line: what to create, and where ({@code uri} null: the backend's default). */
    record Options(ProvisionRequest request, String uri, Path cache) {}

    @Override
    public String summary() {
        return "create a guest from a cloud image: --name N --distro ID [--mem 2G --cpus 2 --disk 20G --user U --ssh-key PUB --run CMD]";
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
            out.print(result.summary());
            return 0;
        } finally {
            options.request().clearPassword();
        }
    }

    static Options parse(String[] args) {
        String name = null;
        String distro = null;
        String image = null;
        String sha256 = null;
        String uri = null;
        Path cache = defaultCache();
        Path publicKey = null;
        Path identity = null;
        Path passwordFile = null;
        ProvisionRequest.Builder b =
                ProvisionRequest.builder(null).hypervisor(defaultHypervisor(System.getProperty("os.name")));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--name" -> name = value(args, ++i, a);
                case "--distro" -> distro = value(args, ++i, a);
                case "--image" -> image = value(args, ++i, a);
                case "--sha256" -> sha256 = value(args, ++i, a);
                case "--hypervisor" -> b.hypervisor(value(args, ++i, a));
                case "--mem" -> b.memoryBytes(size(value(args, ++i, a), a));
                case "--cpus" -> b.vcpus(integer(value(args, ++i, a), a));
                case "--disk" -> b.diskBytes(size(value(args, ++i, a), a));
                case "--user" -> b.user(value(args, ++i, a));
                case "--ssh-key" -> publicKey = path(value(args, ++i, a));
                case "--identity" -> identity = path(value(args, ++i, a));
                case "--password-file" -> passwordFile = path(value(args, ++i, a));
                case "--run" -> b.command(value(args, ++i, a));
                case "--network" -> b.network(value(args, ++i, a));
                case "--bridge" -> b.bridge(value(args, ++i, a));
                case "--uri" -> uri = value(args, ++i, a);
                case "--dir" -> b.workDirectory(path(value(args, ++i, a)));
                case "--cache" -> cache = path(value(args, ++i, a));
                case "--no-wait" -> b.stopAfter(ProvisionStep.START_GUEST);
                case "--ip-timeout" -> b.addressTimeout(seconds(value(args, ++i, a), a));
                case "--ssh-timeout" -> b.sshTimeout(seconds(value(args, ++i, a), a));
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (name == null) {
            throw new IllegalArgumentException("--name is required\n" + USAGE);
        }
        ProvisionRequest.Builder request = b.name(name);
        if ((distro == null) == (image == null)) {
            throw new IllegalArgumentException("give exactly one of --distro and --image\n" + USAGE);
        }
        if (distro != null) {
            request.catalogImage(distro);
        } else if (image.startsWith("http://") || image.startsWith("https://")) {
            if (sha256 == null) {
                throw new IllegalArgumentException("--image URL needs --sha256 HEX to verify the download");
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
        ProvisionRequest built = request.build();
        built.validate();
        return new Options(built, uri, cache);
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
                throw new IllegalArgumentException(option + " file " + file + " is empty");
            }
            return lines.get(0).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException(option + ": cannot read " + file + " (" + e.getMessage() + ")");
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
