package org.vmm4j.freebsd.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;

/** Host plans that make a FreeBSD host ready for bhyve: reviewable argument lists and file edits. */
public final class BhyveSetupPlans {
    public static final Path LOADER_CONF = Path.of("/boot/loader.conf");

    private BhyveSetupPlans() {}

    /**
     * Loads vmm.ko, if_bridge and nmdm now and at boot, and installs the UEFI firmware; with {@code vmBhyve}
     * also the vm-bhyve manager.
     */
    public static HostPlan enable(boolean vmBhyve) {
        List<PlanStep> steps = new ArrayList<>();
        steps.add(new PlanStep.Run(
                "Load the vmm kernel module", List.of("kldload", "vmm"), List.of("kldstat", "-q", "-m", "vmm"), true));
        steps.add(new PlanStep.EnsureLine("Load vmm at boot", LOADER_CONF, "vmm_load=\"YES\"", true));
        steps.add(new PlanStep.Run(
                "Load the if_bridge kernel module",
                List.of("kldload", "if_bridge"),
                List.of("kldstat", "-q", "-m", "if_bridge"),
                true));
        steps.add(new PlanStep.EnsureLine("Load if_bridge at boot", LOADER_CONF, "if_bridge_load=\"YES\"", true));
        steps.add(new PlanStep.Run(
                "Load the nmdm kernel module (guest serial consoles)",
                List.of("kldload", "nmdm"),
                List.of("kldstat", "-q", "-m", "nmdm"),
                true));
        steps.add(new PlanStep.EnsureLine("Load nmdm at boot", LOADER_CONF, "nmdm_load=\"YES\"", true));
        steps.add(pkg("bhyve-firmware", "Install the bhyve UEFI firmware"));
        if (vmBhyve) {
            steps.add(pkg("vm-bhyve", "Install vm-bhyve"));
            steps.add(sysrc("Enable vm-bhyve at boot", "vm_enable", "YES"));
        }
        return new HostPlan("Enable bhyve", steps);
    }

    static PlanStep.Run pkg(String name, String description) {
        return new PlanStep.Run(
                description, List.of("pkg", "install", "-y", name), List.of("pkg", "info", "-e", name), true);
    }

    /** {@code sysrc var=value}, skipped when {@code sysrc -c} says it is already so. */
    static PlanStep.Run sysrc(String description, String variable, String value) {
        String assignment = variable + "=" + value;
        return new PlanStep.Run(description, List.of("sysrc", assignment), List.of("sysrc", "-c", assignment), true);
    }

    /** {@code sysrc var+=word}: adds a word to a list variable such as {@code cloned_interfaces}. */
    static PlanStep.Run sysrcAdd(String description, String variable, String word) {
        String assignment = variable + "+=" + word;
        return new PlanStep.Run(description, List.of("sysrc", assignment), List.of("sysrc", "-c", assignment), true);
    }
}
