package org.vmm4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmm4j.HypervisorInfo;
import org.vmm4j.examples.CommandSpec.Option;
import org.vmm4j.freebsd.host.BhyveNetworkPlans;
import org.vmm4j.freebsd.host.BhyveSetupPlans;
import org.vmm4j.host.HostMessages;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.RecordedHostFacts;
import org.vmm4j.linux.host.CpuVendor;
import org.vmm4j.linux.host.LinuxFamily;
import org.vmm4j.linux.host.LinuxHostSetup;
import org.vmm4j.openbsd.host.OpenBsdPlans;
import org.vmm4j.provision.GuestImage;
import org.vmm4j.provision.ImageCatalog;
import org.vmm4j.text.MessageCatalog;

/**
 * The parts of {@code docs/} that come from the code, so they cannot drift from it: the CLI reference
 * from the command definitions, the probe-facts table from {@link HypervisorInfo} and the core's messages,
 * the catalog of distributions from {@link ImageCatalog#builtIn()}, and the host plans with the exact
 * commands they run. A page holds a block as
 * {@code <!-- BEGIN GENERATED name -->} … {@code <!-- END GENERATED name -->}; {@code name} is one of
 * {@code cli-reference}, {@code probe-facts}, {@code catalog:HYPERVISOR}, {@code plan:NAME}, and the
 * last two kinds may end in {@code @LOCALE} ({@code plan:bhyve-enable@de}) for their labels' language.
 */
final class DocsGenerator {
    static final Pattern BLOCK = Pattern.compile(
            "(<!-- BEGIN GENERATED ([A-Za-z0-9:@_-]+) -->\\n)(.*?)(<!-- END GENERATED \\2 -->)", Pattern.DOTALL);

    private DocsGenerator() {}

    /** {@code page} with every generated block rewritten from the code. */
    static String regenerate(String page) {
        Matcher m = BLOCK.matcher(page);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + block(m.group(2)) + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The names of the blocks {@code page} holds. */
    static List<String> blocks(String page) {
        List<String> names = new ArrayList<>();
        Matcher m = BLOCK.matcher(page);
        while (m.find()) {
            names.add(m.group(2));
        }
        return names;
    }

    /** One block's content, ending with a newline. */
    static String block(String name) {
        Locale locale = Locale.ROOT;
        String base = name;
        int at = name.indexOf('@');
        if (at >= 0) {
            locale = Locale.forLanguageTag(name.substring(at + 1).replace('_', '-'));
            base = name.substring(0, at);
        }
        if (base.equals("cli-reference")) {
            return cliReference();
        }
        if (base.equals("probe-facts")) {
            return probeFacts(locale);
        }
        if (base.startsWith("catalog:")) {
            return catalog(base.substring("catalog:".length()));
        }
        if (base.startsWith("plan:")) {
            HostPlan plan = plan(base.substring("plan:".length()))
                    .orElseThrow(() -> new IllegalArgumentException("no plan named " + name));
            return "```\n" + plan.render(locale) + "```\n";
        }
        throw new IllegalArgumentException("no generated block named " + name);
    }

    /** Every command: its usage, summary, options and example, as {@code vmm4j NAME --help} prints them. */
    static String cliReference() {
        StringBuilder out = new StringBuilder();
        for (Cli.Command c : Cli.commands().values()) {
            CommandSpec spec = c.spec();
            out.append("### `vmm4j ").append(spec.name()).append("`\n\n");
            out.append(spec.summary()).append("\n\n");
            out.append("```\n").append(spec.usage()).append("\n```\n\n");
            if (!spec.options().isEmpty()) {
                out.append("| option | meaning |\n|---|---|\n");
                for (Option o : spec.options()) {
                    out.append("| `")
                            .append(o.name())
                            .append(o.takesValue() ? " " + o.value() : "")
                            .append("` | ")
                            .append(cell(o.help()))
                            .append(" |\n");
                }
                out.append('\n');
            }
            out.append("Example: `").append(spec.example()).append("`\n\n");
        }
        return out.toString().stripTrailing() + "\n";
    }

    /** One row per fact of {@link HypervisorInfo}, described in {@code locale}. */
    static String probeFacts(Locale locale) {
        MessageCatalog texts = HostMessages.CATALOG;
        StringBuilder out = new StringBuilder("| `vmm4j info` | JSON | |\n|---|---|---|\n");
        String[][] facts = {
            {"KIND", "kind"},
            {"AVAIL", "available"},
            {"ACCESS", "accessible"},
            {"ENABLED", "enabled"},
            {"RUNNING", "running"},
            {"INIT", "initialized"},
            {"CPU", "cpuSupported"},
            {"-", "kernelSupported"},
            {"NESTED", "nested"},
            {"UEFI", "uefiFirmware"},
            {"VERSION", "version"},
            {"kind:", "details"}
        };
        for (String[] f : facts) {
            if (!hasComponent(f[1])) {
                throw new IllegalStateException("HypervisorInfo has no " + f[1]);
            }
            out.append("| ")
                    .append(f[0].equals("-") ? "" : "`" + f[0] + "`")
                    .append(" | `")
                    .append(f[1])
                    .append("` | ")
                    .append(cell(texts.format(locale, "probe." + f[1])))
                    .append(" |\n");
        }
        out.append("\n")
                .append("`")
                .append(texts.format(locale, "fact.yes"))
                .append("` / `")
                .append(texts.format(locale, "fact.no"))
                .append("` / `")
                .append(texts.format(locale, "fact.unknown"))
                .append("`\n");
        return out.toString();
    }

    private static boolean hasComponent(String name) {
        for (var c : HypervisorInfo.class.getRecordComponents()) {
            if (c.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The built-in catalog's images for {@code hypervisor}. */
    static String catalog(String hypervisor) {
        List<GuestImage> images = ImageCatalog.builtIn().forHypervisor(hypervisor);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("the catalog has no images for " + hypervisor);
        }
        StringBuilder out = new StringBuilder("| ID | distribution | kind | format | boot | cloud-init |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (GuestImage i : images) {
            out.append("| `")
                    .append(i.id())
                    .append("` | ")
                    .append(cell(i.name()))
                    .append(" | ")
                    .append(i.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .append(" | ")
                    .append(i.format())
                    .append(" | ")
                    .append(i.boot().name().toLowerCase(Locale.ROOT))
                    .append(" | ")
                    .append(i.cloudInit() ? "yes" : "no")
                    .append(" |\n");
        }
        return out.toString();
    }

    /** The plans the pages show, with the example arguments the pages use. */
    static Optional<HostPlan> plan(String name) {
        for (LinuxFamily f : LinuxFamily.values()) {
            if (name.equals("linux-" + f.name().toLowerCase(Locale.ROOT))) {
                return Optional.of(LinuxHostSetup.forFamily(f)
                        .user("alice")
                        .cpuVendor(CpuVendor.INTEL)
                        .plan());
            }
        }
        return Optional.ofNullable(
                switch (name) {
                    case "bhyve-enable" -> BhyveSetupPlans.enable(true);
                    case "bhyve-nat" ->
                        BhyveNetworkPlans.nat("bridge0", "10.77.0.1/24", "em0", "10.77.0.10", "10.77.0.200");
                    case "bhyve-bridged" -> BhyveNetworkPlans.bridged("bridge1", "em0");
                    case "bhyve-host-only" ->
                        BhyveNetworkPlans.hostOnly("bridge2", "10.78.0.1/24", "10.78.0.10", "10.78.0.200");
                    case "bhyve-tap" -> BhyveNetworkPlans.addTap("tap0", "bridge0");
                    case "vmd-setup" ->
                        OpenBsdPlans.setup(new RecordedHostFacts()).plan();
                    case "vmd-local" -> OpenBsdPlans.localNetwork();
                    case "vmd-bridged" -> OpenBsdPlans.bridgedNetwork("uplink", "bridge0", "em0");
                    case "vmd-nat" -> OpenBsdPlans.routedNatNetwork("nat", "bridge1", "vether0", "10.79.0.1/24");
                    default -> null;
                });
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** Where {@code docs/} is, from the examples module's directory. */
    static Path docs() {
        return Path.of("..", "docs").toAbsolutePath().normalize();
    }
}
