package org.vmm4j.guest;

import java.util.Objects;

/**
 * What a {@link GuestManager} gives a guest that asks for an {@link Accelerator}, and why.
 *
 * @param accelerator {@link Accelerator#KVM} or {@link Accelerator#TCG}; {@link Accelerator#AUTO} only
 *     where the manager runs no guest code at all (libvirt's {@code test:///} driver)
 * @param type the manager's own name for it: libvirt's domain type ({@code kvm}, {@code qemu},
 *     {@code test}), {@code vmm} for bhyve and vmd
 * @param reason why, in a sentence for people (e.g. "KVM here emulates guest code (kvm_pvm); a full OS
 *     cannot run on it")
 */
public record AcceleratorChoice(Accelerator accelerator, String type, String reason) {

    public AcceleratorChoice {
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code tcg (qemu)}, {@code kvm (vmm)}, or the type alone when no accelerator runs guest code. */
    public String label() {
        return accelerator == Accelerator.AUTO ? type : accelerator.label() + " (" + type + ")";
    }
}
