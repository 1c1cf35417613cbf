package org.vmm4j.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.provision.GuestImage;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.provision.ImageDownloader;

/**
 * {@code vmm4j images list [--hypervisor K]} shows the built-in catalog; {@code vmm4j images fetch ID
 * [--hypervisor kvm] [--cache DIR]} downloads and verifies one image into the cache, with a progress bar.
 */
final class ImagesCommand implements Cli.Command {
    static final CommandSpec SPEC = new CommandSpec(
            "images",
            "guest image catalog: list [--hypervisor K] | fetch ID [--hypervisor K] [--cache DIR]",
            "list [--hypervisor K] | fetch ID [--hypervisor K] [--cache DIR]",
            List.of(
                    Option.value(
                            "--hypervisor",
                            "K",
                            "only images for K, one of " + ImageCatalog.HYPERVISORS + " (fetch: default kvm)"),
                    Option.value("--cache", "DIR", "where fetch stores images (default: ~/.cache/vmm4j/images)")),
            "vmm4j images fetch debian-12 --hypervisor kvm");

    private final ImageCatalog catalog;

    ImagesCommand() {
        this(null);
    }

    /** With {@code catalog} instead of the built-in one (tests). */
    ImagesCommand(ImageCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public CommandSpec spec() {
        return SPEC;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Arguments a = new Arguments(args, SPEC);
        String hypervisor = a.option("--hypervisor").orElse(null);
        Path cache = a.option("--cache").map(ProvisionCommand::path).orElse(ProvisionCommand.defaultCache());
        String action = a.positional("list or fetch");
        if (hypervisor != null && !ImageCatalog.HYPERVISORS.contains(hypervisor)) {
            throw new IllegalArgumentException("--hypervisor must be one of " + ImageCatalog.HYPERVISORS);
        }
        ImageCatalog images = catalog == null ? ImageCatalog.builtIn() : catalog;
        switch (action) {
            case "list" -> {
                a.end();
                list(images, hypervisor, out);
                return 0;
            }
            case "fetch" -> {
                String id = a.positional("the ID of the image to fetch (vmm4j images list shows them)");
                a.end();
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
            default -> throw a.error("unknown images command '" + action + "'");
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
