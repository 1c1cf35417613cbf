package org.vmm4j.linux.guest;

import static org.vmm4j.linux.guest.XmlDocuments.attribute;
import static org.vmm4j.linux.guest.XmlDocuments.child;
import static org.vmm4j.linux.guest.XmlDocuments.children;
import static org.vmm4j.linux.guest.XmlDocuments.text;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.linux.host.LinuxHostMessages;
import org.vmm4j.text.Message;
import org.w3c.dom.Element;

/**
 * The libvirt domain types a host offers for x86_64 guests (its capabilities' {@code <guest>} entries
 * with {@code <os_type>hvm</os_type>} and {@code <arch name='x86_64'>}), and which one a guest's
 * {@link Accelerator} gets; the reasons come from {@link LinuxHostMessages}.
 *
 * @param offered {@code qemu}, {@code kvm}, ... in the capabilities' order
 */
record DomainTypes(Set<String> offered) {

    /** The domain type libvirt's {@code test:///} driver has, whatever a spec asks for. */
    static final String TEST = "test";

    DomainTypes {
        offered = Collections.unmodifiableSet(new LinkedHashSet<>(offered));
    }

    /**
     * What {@code capabilitiesXml} ({@code virConnectGetCapabilities}) offers x86_64 guests.
     *
     * @throws IllegalArgumentException if it is not well-formed XML or not a capabilities document
     */
    static DomainTypes fromCapabilities(String capabilitiesXml) {
        Element root = XmlDocuments.parse(capabilitiesXml).getDocumentElement();
        if (!root.getTagName().equals("capabilities")) {
            throw new IllegalArgumentException(
                    "not libvirt capabilities XML: root element is <" + root.getTagName() + ">");
        }
        Set<String> types = new LinkedHashSet<>();
        for (Element guest : children(root, "guest")) {
            Element arch = child(guest, "arch");
            if ("hvm".equals(text(guest, "os_type")) && "x86_64".equals(attribute(arch, "name"))) {
                for (Element domain : children(arch, "domain")) {
                    String type = attribute(domain, "type");
                    if (type != null) {
                        types.add(type);
                    }
                }
            }
        }
        return new DomainTypes(types);
    }

    /**
     * The domain type a guest asking for {@code requested} gets, and why.
     *
     * @param where the connection's URI, for messages
     * @param guestCodeEmulated whether KVM on the libvirt host runs guest code through its instruction
     *     emulator ({@link org.vmm4j.linux.host.LinuxProbe#guestCodeEmulated}); empty when the host is not
     *     this one and so was not probed
     * @throws UnsupportedOperationException for {@link Accelerator#KVM} when the host offers no kvm domain
     */
    AcceleratorChoice choose(Accelerator requested, String where, Optional<Boolean> guestCodeEmulated) {
        boolean kvm = offered.contains("kvm");
        boolean emulated = guestCodeEmulated.orElse(false);
        return switch (requested) {
            case KVM -> {
                if (!kvm) {
                    throw new UnsupportedGuestOperationException(
                            reason("accelerator.kvm-refused", where, offeredMessage()));
                }
                yield new AcceleratorChoice(
                        Accelerator.KVM,
                        "kvm",
                        reason(emulated ? "accelerator.asked-kvm-emulated" : "accelerator.asked-kvm"));
            }
            case TCG -> new AcceleratorChoice(Accelerator.TCG, "qemu", reason("accelerator.asked-tcg"));
            case AUTO -> {
                if (!kvm) {
                    yield new AcceleratorChoice(
                            Accelerator.TCG, "qemu", reason("accelerator.no-kvm-domain", where, offeredMessage()));
                }
                if (guestCodeEmulated.isEmpty()) {
                    yield new AcceleratorChoice(Accelerator.KVM, "kvm", reason("accelerator.remote-kvm", where));
                }
                yield emulated
                        ? new AcceleratorChoice(Accelerator.TCG, "qemu", reason("accelerator.emulated"))
                        : new AcceleratorChoice(Accelerator.KVM, "kvm", reason("accelerator.hardware"));
            }
        };
    }

    /** The offered types for people: "qemu, kvm", or "none" in the reader's locale. */
    private Message offeredMessage() {
        return offered.isEmpty() ? reason("accelerator.none") : Message.literal(String.join(", ", offered));
    }

    private static Message reason(String key, Object... arguments) {
        return LinuxHostMessages.CATALOG.message(key, arguments);
    }

    /** The choice on libvirt's {@code test:///} driver, whose guests run no code. */
    static AcceleratorChoice testDriver() {
        return new AcceleratorChoice(Accelerator.AUTO, TEST, reason("accelerator.test-driver"));
    }
}
