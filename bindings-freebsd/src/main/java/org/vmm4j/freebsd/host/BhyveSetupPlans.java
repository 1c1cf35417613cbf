package org.vmm4j.freebsd.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.host.HostPlan;
import org.vmm4j.host.PlanStep;
import org.vmm4j.text.Message;

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
                text("bhyve.step.load-vmm"), List.of("kldload", "vmm"), List.of("kldstat", "-q", "-m", "vmm"), true));
        steps.add(new PlanStep.EnsureLine(text("bhyve.step.boot-vmm"), LOADER_CONF, "vmm_load=\"YES\"", true));
        steps.add(new PlanStep.Run(
                text("bhyve.step.load-bridge"),
                List.of("kldload", "if_bridge"),
                List.of("kldstat", "-q", "-m", "if_bridge"),
                true));
        steps.add(new PlanStep.EnsureLine(text("bhyve.step.boot-bridge"), LOADER_CONF, "if_bridge_load=\"YES\"", true));
        steps.add(new PlanStep.Run(
                text("bhyve.step.load-nmdm"),
                List.of("kldload", "nmdm"),
                List.of("kldstat", "-q", "-m", "nmdm"),
                true));
        steps.add(new PlanStep.EnsureLine(text("bhyve.step.boot-nmdm"), LOADER_CONF, "nmdm_load=\"YES\"", true));
        steps.add(pkg("bhyve-firmware", text("bhyve.step.firmware")));
        if (vmBhyve) {
            steps.add(pkg("vm-bhyve", text("bhyve.step.vm-bhyve")));
            steps.add(sysrc(text("bhyve.step.vm-bhyve-boot"), "vm_enable", "YES"));
        }
        return new HostPlan(text("bhyve.plan.enable"), steps);
    }

    private static Message text(String key) {
        return FreeBsdHostMessages.CATALOG.message(key);
    }

    static PlanStep.Run pkg(String name, String description) {
        return pkg(name, Message.literal(description));
    }

    static PlanStep.Run pkg(String name, Message description) {
        return new PlanStep.Run(
                description, List.of("pkg", "install", "-y", name), List.of("pkg", "info", "-e", name), true);
    }

    /** {@code sysrc var=value}, skipped when {@code sysrc -c} says it is already so. */
    static PlanStep.Run sysrc(String description, String variable, String value) {
        return sysrc(Message.literal(description), variable, value);
    }

    static PlanStep.Run sysrc(Message description, String variable, String value) {
        String assignment = variable + "=" + value;
        return new PlanStep.Run(description, List.of("sysrc", assignment), List.of("sysrc", "-c", assignment), true);
    }
    /** {@code sysrc var+=word}: adds a word to a list variable such as {@code cloned_interfaces}. */
    static PlanStep.Run sysrcAdd(String description, String variable, String word) {
        return sysrcAdd(Message.literal(description), variable, word);
    }

    static PlanStep.Run sysrcAdd(Message description, String variable, String word) {
        String assignment = variable + "+=" + word;
        return new PlanStep.Run(description, List.of("sysrc", assignment), List.of("sysrc", "-c", assignment), true);
    }
}
