package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.linux.host.CpuVendor;
import org.vmm4j.linux.host.LinuxFamily;
import org.vmm4j.linux.host.LinuxHostSetup;

/**
 * {@code vmm4j setup --plan [--family debian|fedora|alpine|suse] [--user NAME]}: prints the plan that
 * would enable KVM and libvirt on this host (its family read from /etc/os-release unless given), for
 * review. Nothing is run; applying is left to {@code HostPlan.apply} in an application.
 */
final class SetupCommand implements Cli.Command {
    static final CommandSpec SPEC = new CommandSpec(
            "setup",
            "print the Linux host setup plan (KVM, libvirt, network) for review: --plan [--family F] [--user U]",
            "--plan [--family debian|fedora|alpine|suse] [--user NAME] [--os-release FILE]",
            List.of(
                    Option.flag("--plan", "print the plan (required: nothing is run)"),
                    Option.value("--family", "F", "debian, fedora, alpine or suse (default: read from --os-release)"),
                    Option.value("--user", "NAME", "the user to give access to KVM and libvirt"),
                    Option.value("--os-release", "FILE", "where to read the distribution (default: /etc/os-release)")),
            "vmm4j setup --plan --user alice");

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        Arguments a = new Arguments(args, SPEC);
        boolean plan = a.flag("--plan");
        LinuxFamily family = a.option("--family").map(SetupCommand::family).orElse(null);
        String user = a.option("--user").orElse(null);
        Path osRelease = Path.of(a.option("--os-release").orElse("/etc/os-release"));
        a.end();
        if (!plan) {
            throw a.error(t("setup.only-plan"));
        }
        if (family == null) {
            if (!Files.isReadable(osRelease)) {
                throw new IllegalArgumentException(t("setup.cannot-read", osRelease.toString()));
            }
            Path source = osRelease;
            family = LinuxFamily.fromOsRelease(Files.readString(source))
                    .orElseThrow(() -> new IllegalArgumentException(t("setup.unknown-family", source.toString())));
        }
        LinuxHostSetup setup = LinuxHostSetup.forFamily(family);
        if (user != null) {
            setup.user(user);
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            CpuVendor.fromCpuInfo(Files.readString(cpuinfo)).ifPresent(setup::cpuVendor);
        }
        out.print(setup.plan().render(CliText.locale()));
        return 0;
    }

    private static LinuxFamily family(String name) {
        try {
            return LinuxFamily.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(t("setup.bad-family", name));
        }
    }
}
