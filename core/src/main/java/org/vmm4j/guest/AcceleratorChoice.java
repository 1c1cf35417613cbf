package org.vmm4j.guest;

import java.util.Locale;
import java.util.Objects;
import org.vmm4j.text.Message;

/**
 * What a {@link GuestManager} gives a guest that asks for an {@link Accelerator}, and why.
 *
 * @param accelerator {@link Accelerator#KVM} or {@link Accelerator#TCG}; {@link Accelerator#AUTO} only
 *     where the manager runs no guest code at all (libvirt's {@code test:///} driver)
 * @param type the manager's own name for it: libvirt's domain type ({@code kvm}, {@code qemu},
 *     {@code test}), {@code vmm} for bhyve and vmd
 * @param reasonMessage why, in a sentence for people, from the manager's message catalog (e.g. "KVM here
 *     emulates guest code (kvm_pvm); a full OS cannot run on it"), rendered in the reader's locale
 */
public record AcceleratorChoice(Accelerator accelerator, String type, Message reasonMessage) {

    public AcceleratorChoice {
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reasonMessage, "reasonMessage");
    }

    /** A choice whose reason reads the same in every locale ({@link Message#literal}). */
    public AcceleratorChoice(Accelerator accelerator, String type, String reason) {
        this(accelerator, type, Message.literal(Objects.requireNonNull(reason, "reason")));
    }

    /** Why, in English. */
    public String reason() {
        return reasonMessage.english();
    }

    /** Why, in {@code locale}. */
    public String reason(Locale locale) {
        return reasonMessage.render(locale);
    }

    /** {@code tcg (qemu)}, {@code kvm (vmm)}, or the type alone when no accelerator runs guest code. */
    public String label() {
        return accelerator == Accelerator.AUTO ? type : accelerator.label() + " (" + type + ")";
    }
}
