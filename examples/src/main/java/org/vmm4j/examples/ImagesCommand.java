package org.vmm4j.examples;

import static org.vmm4j.examples.CliText.t;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.host.Progress;
import org.vmm4j.image.DiskSize;
import org.vmm4j.provision.GuestImage;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.provision.ImageDownloader;
import org.vmm4j.provision.build.BaseImageBuilder;
import org.vmm4j.provision.build.BaseImageRecipe;
import org.vmm4j.provision.build.BuiltImage;
import org.vmm4j.provision.build.ImageBuildException;
import org.vmm4j.text.Message;

/**
 * {@code vmm4j images list [--hypervisor K]} shows the built-in catalog; {@code vmm4j images fetch ID
 * [--hypervisor kvm] [--cache DIR]} downloads and verifies one image into the cache, with a progress bar;
 * {@code vmm4j images build debian-12 [--out DIR] [--size 2G] [--packages P,...]} builds a base image from
 * packages ({@link BaseImageBuilder}) for hosts that cannot download one, or finds it in its cache, and
 * prints the disk, kernel and initrd to boot it with.
 */
final class ImagesCommand implements Cli.Command {
    static final CommandSpec SPEC = new CommandSpec(
            "images",
            "guest images: list [--hypervisor K] | fetch ID [--hypervisor K] [--cache DIR] | build debian-12 [--out DIR]",
            "list [--hypervisor K] | fetch ID [--hypervisor K] [--cache DIR]"
                    + " | build NAME [--out DIR] [--size SIZE] [--packages P,...]",
            List.of(
                    Option.value(
                            "--hypervisor",
                            "K",
                            "only images for K, one of " + new TreeSet<>(ImageCatalog.HYPERVISORS)
                                    + " (fetch: default kvm)"),
                    Option.value("--cache", "DIR", "where fetch stores images (default: ~/.cache/vmm4j/images)"),
                    Option.value(
                            "--out",
                            "DIR",
                            "build: the cache of built images, one directory per recipe hash"
                                    + " (default: ~/.cache/vmm4j/base-images)"),
                    Option.value("--size", "SIZE", "build: size of the root file system and disk (default: 2G)"),
                    Option.value(
                            "--packages",
                            "P,...",
                            "build: more Debian packages to install, comma-separated (part of the cache key)")),
            "vmm4j images build debian-12 --packages curl,vim-tiny");

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
        BuildOptions build = new BuildOptions(a.option("--out"), a.option("--size"), a.option("--packages"));
        String action = a.positional(t("images.what-action"));
        if (!action.equals("build") && build.given()) {
            throw a.error(t("images.build-options"));
        }
        if (hypervisor != null && !ImageCatalog.HYPERVISORS.contains(hypervisor)) {
            throw new IllegalArgumentException(t("images.bad-hypervisor", String.join(", ", ImageCatalog.HYPERVISORS)));
        }
        ImageCatalog images = catalog == null ? ImageCatalog.builtIn() : catalog;
        switch (action) {
            case "list" -> {
                a.end();
                list(images, hypervisor, out);
                return 0;
            }
            case "fetch" -> {
                String id = a.positional(t("images.what-id"));
                a.end();
                String kind = hypervisor == null ? "kvm" : hypervisor;
                String wanted = id;
                GuestImage image = images.find(kind, id)
                        .orElseThrow(() -> new IllegalArgumentException(t("images.no-image", wanted, kind)));
                ProgressBar bar = new ProgressBar(err);
                Message step = CliText.CATALOG.message("images.step-fetch", image.id());
                Path file = new ImageDownloader(cache)
                        .fetch(
                                image,
                                (done, total) -> bar.onProgress(new Progress(
                                        step,
                                        1,
                                        1,
                                        total > 0 ? Math.min(0.999, (double) done / total) : -1,
                                        total > 0
                                                ? CliText.CATALOG.message("images.mib-of", done >> 20, total >> 20)
                                                : CliText.CATALOG.message("images.mib", done >> 20))));
                bar.onProgress(new Progress(step, 1, 1, 1.0, CliText.CATALOG.message("images.verified")));
                out.println(file);
                return 0;
            }
            case "build" -> {
                String name = a.positional(t("images.what-recipe", String.join(", ", BaseImageRecipe.NAMES)));
                a.end();
                return build(name, build, out, err);
            }
            default -> throw a.error(t("images.unknown-action", action));
        }
    }

    /** The options of {@code images build}, read before the positional arguments (their values are not ones). */
    private record BuildOptions(Optional<String> out, Optional<String> size, Optional<String> packages) {
        boolean given() {
            return out.isPresent() || size.isPresent() || packages.isPresent();
        }
    }

    private static int build(String name, BuildOptions options, PrintStream out, PrintStream err) {
        BaseImageRecipe recipe = BaseImageRecipe.named(name);
        if (options.size().isPresent()) {
            recipe = recipe.withRootSize(DiskSize.parse(options.size().get()));
        }
        if (options.packages().isPresent()) {
            List<String> extra = new ArrayList<>();
            for (String p : options.packages().get().split(",", -1)) {
                extra.add(p.strip());
            }
            recipe = recipe.withExtraPackages(extra);
        }
        Path dir = options.out().map(ProvisionCommand::path).orElse(BaseImageBuilder.defaultCacheDirectory());
        ProgressBar bar = new ProgressBar(err);
        BuiltImage image;
        try {
            image = new BaseImageBuilder(dir).build(recipe, bar);
        } catch (ImageBuildException e) {
            bar.onProgress(new Progress(
                    CliText.CATALOG.message("images.step-build", name),
                    1,
                    1,
                    -1,
                    CliText.CATALOG.message("images.failed")));
            err.println("vmm4j images build: " + e.getMessage());
            return 1;
        }
        String[] labels = {
            t("images.built.disk"),
            t("images.built.kernel"),
            t("images.built.initrd"),
            t("images.built.cmdline"),
            t("images.built.cached")
        };
        int width = 0;
        for (String label : labels) {
            width = Math.max(width, label.length() + 2);
        }
        out.println(pad(labels[0], width) + image.disk());
        out.println(pad(labels[1], width) + image.kernel());
        out.println(pad(labels[2], width) + image.initrd());
        out.println(pad(labels[3], width) + image.kernelCommandLine());
        out.println(pad(labels[4], width)
                + (image.cached()
                        ? t("images.cached-yes")
                        : t("images.cached-no", image.buildTime().toSeconds())));
        return 0;
    }

    /** {@code label} followed by spaces up to {@code width} characters. */
    private static String pad(String label, int width) {
        return label + " ".repeat(width - label.length());
    }

    private static void list(ImageCatalog images, String hypervisor, PrintStream out) {
        String format = "%-12s %-18s %-12s %-6s %-5s %-5s %s%n";
        out.printf(
                format,
                t("images.col.hypervisor"),
                "ID",
                t("images.col.kind"),
                t("images.col.format"),
                t("images.col.boot"),
                t("images.col.init"),
                t("images.col.name"));
        for (GuestImage i : hypervisor == null ? images.all() : images.forHypervisor(hypervisor)) {
            out.printf(
                    format,
                    i.hypervisor(),
                    i.id(),
                    i.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    i.format(),
                    i.boot().name().toLowerCase(java.util.Locale.ROOT),
                    i.cloudInit() ? t("images.yes") : t("images.no"),
                    i.name());
        }
    }
}
