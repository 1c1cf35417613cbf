package org.vmm4j.examples;

import static org.vmm4j.examples.CliOptions.value;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.vmm4j.linux.host.CpuVendor;
import org.vmm4j.linux.host.LinuxFamily;
import org.vmm4j.linux.host.LinuxHostSetup;

/**
 * {@code vmm4j setup --plan [--family debian|fedora|alpine|suse] [--user NAME]}: prints the plan that
 * would enable KVM and libvirt on this host (its family read from /etc/os-release unless given), for
 * review. Nothing is run; applying is left to {@code HostPlan.apply} in an application.
 */
final class SetupCommand implements Cli.Command {
    static final String USAGE =
            "usage: vmm4j setup --plan [--family debian|fedora|alpine|suse] [--user NAME] [--os-release FILE]";

    @Override
    public String summary() {
        return "print the Linux host setup plan (KVM, libvirt, network) for review: --plan [--family F] [--user U]";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        boolean plan = false;
        LinuxFamily family = null;
        String user = null;
        Path osRelease = Path.of("/etc/os-release");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--plan" -> plan = true;
                case "--family" -> family = family(value(args, ++i, a));
                case "--user" -> user = value(args, ++i, a);
                case "--os-release" -> osRelease = Path.of(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (!plan) {
            throw new IllegalArgumentException("only --plan is supported: review the plan, then apply it from your "
                    + "application or run its commands\n" + USAGE);
        }
        if (family == null) {
            if (!Files.isReadable(osRelease)) {
                throw new IllegalArgumentException("cannot read " + osRelease + "; give --family");
            }
            Path source = osRelease;
            family = LinuxFamily.fromOsRelease(Files.readString(source))
                    .orElseThrow(() -> new IllegalArgumentException(
                            "unknown Linux distribution family in " + source + "; give --family"));
        }
        LinuxHostSetup setup = LinuxHostSetup.forFamily(family);
        if (user != null) {
            setup.user(user);
        }
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            CpuVendor.fromCpuInfo(Files.readString(cpuinfo)).ifPresent(setup::cpuVendor);
        }
        out.print(setup.plan().render());
        return 0;
    }

    private static LinuxFamily family(String name) {
        try {
            return LinuxFamily.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--family must be debian, fedora, alpine or suse, not '" + name + "'");
        }
    }
}
