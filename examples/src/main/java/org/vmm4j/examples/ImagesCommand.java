package org.vmm4j.examples;

import static org.vmm4j.examples.CliOptions.value;

import java.io.PrintStream;
import java.nio.file.Path;
import org.vmm4j.provision.GuestImage;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.provision.ImageDownloader;

/**
 * {@code vmm4j images list [--hypervisor K]} shows the built-in catalog; {@code vmm4j images fetch ID
 * [--hypervisor kvm] [--cache DIR]} downloads and verifies one image into the cache, with a progress bar.
 */
final class ImagesCommand implements Cli.Command {
    static final String USAGE =
            "usage: vmm4j images list [--hypervisor K] | vmm4j images fetch ID [--hypervisor K] [--cache DIR]";

    private final ImageCatalog catalog;

    ImagesCommand() {
        this(null);
    }

    /** With {@code catalog} instead of the built-in one (tests). */
    ImagesCommand(ImageCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String summary() {
        return "guest image catalog: list [--hypervisor K] | fetch ID [--hypervisor K] [--cache DIR]";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            throw new IllegalArgumentException(USAGE);
        }
        String hypervisor = null;
        String id = null;
        Path cache = ProvisionCommand.defaultCache();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--hypervisor" -> hypervisor = value(args, ++i, a);
                case "--cache" -> cache = ProvisionCommand.path(value(args, ++i, a));
                default -> {
                    if (a.startsWith("-") || id != null) {
                        throw new IllegalArgumentException("unexpected argument " + a + "\n" + USAGE);
                    }
                    id = a;
                }
            }
        }
        if (hypervisor != null && !ImageCatalog.HYPERVISORS.contains(hypervisor)) {
            throw new IllegalArgumentException("--hypervisor must be one of " + ImageCatalog.HYPERVISORS);
        }
        ImageCatalog images = catalog == null ? ImageCatalog.builtIn() : catalog;
        switch (args[0]) {
            case "list" -> {
                if (id != null) {
                    throw new IllegalArgumentException("list takes no image id\n" + USAGE);
                }
                list(images, hypervisor, out);
                return 0;
            }
            case "fetch" -> {
                if (id == null) {
                    throw new IllegalArgumentException("fetch needs an image id (see vmm4j images list)\n" + USAGE);
                }
                String kind = hypervisor == null ? "kvm" : hypervisor;
                String wanted = id;
                GuestImage image = images.find(kind, id)
                        .orElseThrow(() -> new IllegalArgumentException("no image '" + wanted + "' for " + kind
                                + " (see vmm4j images list --hypervisor " + kind + ")"));
                ProgressBar bar = new ProgressBar(err);
                Path file = new ImageDownloader(cache)
                        .fetch(
                                image,
                                (done, total) -> bar.onProgress(new org.vmm4j.host.Progress(
                                        "fetch " + image.id(),
                                        1,
                                        1,
                                        total > 0 ? Math.min(0.999, (double) done / total) : -1,
                                        (done >> 20) + (total > 0 ? " of " + (total >> 20) : "") + " MiB")));
                bar.onProgress(new org.vmm4j.host.Progress("fetch " + image.id(), 1, 1, 1.0, "verified"));
                out.println(file);
                return 0;
            }
            default -> throw new IllegalArgumentException("unknown images command '" + args[0] + "'\n" + USAGE);
        }
    }

    private static void list(ImageCatalog images, String hypervisor, PrintStream out) {
        String format = "%-12s %-18s %-12s %-6s %-5s %-5s %s%n";
        out.printf(format, "HYPERVISOR", "ID", "KIND", "FORMAT", "BOOT", "INIT", "NAME");
        for (GuestImage i : hypervisor == null ? images.all() : images.forHypervisor(hypervisor)) {
            out.printf(
                    format,
                    i.hypervisor(),
                    i.id(),
                    i.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    i.format(),
                    i.boot().name().toLowerCase(java.util.Locale.ROOT),
                    i.cloudInit() ? "yes" : "no",
                    i.name());
        }
    }
}
