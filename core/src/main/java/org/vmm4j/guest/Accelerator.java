package org.vmm4j.guest;

import java.util.Locale;

/**
 * What runs a managed guest's instructions. Chosen per {@link GuestSpec}; each manager maps it to its own
 * term ({@link GuestManager#acceleratorChoice} says what it picks and why).
 */
public enum Accelerator {
    /**
     * The manager decides: hardware virtualization where it runs a full guest, else emulation. On libvirt,
     * {@code kvm} when the host offers it and (on the local host) KVM runs guest code in hardware, else
     * {@code qemu} (TCG). bhyve and vmd have only their own, hardware one. A libvirt guest defined with
     * AUTO reads back ({@link Guest#spec()}) the accelerator it got, since libvirt stores the domain type.
     */
    AUTO,
    /**
     * The kernel's hardware-assisted hypervisor: KVM under libvirt (domain type {@code kvm}), vmm(4) under
     * bhyve and vmd. A manager that cannot offer it refuses the guest.
     */
    KVM,
    /**
     * QEMU's Tiny Code Generator: every guest instruction translated in user space (libvirt domain type
     * {@code qemu}). Slower, but runs a full OS where KVM cannot, e.g. where KVM is itself nested through
     * PVM. Only libvirt offers it.
     */
    TCG;

    /**
     * The accelerator named {@code name}: {@code auto}, {@code kvm} or {@code tcg}, in any case.
     *
     * @throws IllegalArgumentException for any other name; the message lists the valid ones
     */
    public static Accelerator parse(String name) {
        for (Accelerator a : values()) {
            if (a.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown accelerator \"" + name + "\": expected auto, kvm or tcg");
    }

    /** The name {@link #parse} reads: {@code auto}, {@code kvm} or {@code tcg}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
