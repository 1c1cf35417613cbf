package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmm4j.guest.Accelerator;
import org.vmm4j.guest.AcceleratorChoice;
import org.vmm4j.guest.UnsupportedGuestOperationException;
import org.vmm4j.linux.host.LinuxHostMessages;
import org.vmm4j.testsupport.TranslationCheck;
import org.vmm4j.text.MessageCatalog;

/** Which libvirt domain type each accelerator gets, from capabilities XML and the probe's KVM fact. */
class DomainTypesTest {
    private static final Optional<Boolean> HARDWARE = Optional.of(false);
    private static final Optional<Boolean> PVM = Optional.of(true);
    private static final Optional<Boolean> REMOTE = Optional.empty();

    /** The shape of virConnectGetCapabilities on a QEMU host: one guest entry per arch. */
    private static String capabilities(String i686Domains, String x8664Domains) {
        return "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
                + "<guest><os_type>hvm</os_type><arch name='i686'><wordsize>32</wordsize>" + i686Domains
                + "</arch></guest>"
                + "<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>"
                + "<emulator>/usr/bin/qemu-system-x86_64</emulator>" + x8664Domains + "</arch></guest>"
                + "</capabilities>";
    }

    private static final String QEMU_AND_KVM =
            capabilities("<domain type='qemu'/><domain type='kvm'/>", "<domain type='qemu'/><domain type='kvm'/>");
    /** kvm offered for i686 only: not what an x86_64 guest can use. */
    private static final String QEMU_ONLY = capabilities("<domain type='kvm'/>", "<domain type='qemu'/>");
    /** No domain type at all for x86_64. */
    private static final String NONE = capabilities("<domain type='kvm'/>", "");

    private static AcceleratorChoice choose(String caps, Accelerator a, Optional<Boolean> emulated) {
        return DomainTypes.fromCapabilities(caps).choose(a, "qemu:///system", emulated);
    }

    @Test
    void readsTheDomainTypesOfX8664HvmGuestsOnly() {
        assertEquals(
                List.of("qemu", "kvm"),
                List.copyOf(DomainTypes.fromCapabilities(QEMU_AND_KVM).offered()));
        assertEquals(
                List.of("qemu"),
                List.copyOf(DomainTypes.fromCapabilities(QEMU_ONLY).offered()));
    }

    @Test
    void autoIsKvmWhereKvmRunsGuestCodeInHardware() {
        AcceleratorChoice c = choose(QEMU_AND_KVM, Accelerator.AUTO, HARDWARE);
        assertEquals(Accelerator.KVM, c.accelerator());
        assertEquals("kvm", c.type());
        assertTrue(c.reason().contains("hardware"), c.reason());
    }

    @Test
    void autoIsTcgWhereKvmEmulatesGuestCode() {
        AcceleratorChoice c = choose(QEMU_AND_KVM, Accelerator.AUTO, PVM);
        assertEquals(Accelerator.TCG, c.accelerator());
        assertEquals("qemu", c.type());
        assertEquals("tcg (qemu)", c.label());
        assertTrue(c.reason().contains("kvm_pvm"), c.reason());
    }

    @Test
    void autoIsTcgWhereLibvirtOffersNoKvm() {
        for (Optional<Boolean> emulated : List.of(HARDWARE, PVM, REMOTE)) {
            AcceleratorChoice c = choose(QEMU_ONLY, Accelerator.AUTO, emulated);
            assertEquals("qemu", c.type(), emulated.toString());
            assertTrue(c.reason().contains("no kvm domain"), c.reason());
        }
    }

    @Test
    void autoOnARemoteHostFollowsItsCapabilities() {
        AcceleratorChoice c = choose(QEMU_AND_KVM, Accelerator.AUTO, REMOTE);
        assertEquals("kvm", c.type());
        assertTrue(c.reason().contains("not probed"), c.reason());
    }

    @Test
    void tcgIsQemuEvenWhereKvmWorks() {
        AcceleratorChoice c = choose(QEMU_AND_KVM, Accelerator.TCG, HARDWARE);
        assertEquals(Accelerator.TCG, c.accelerator());
        assertEquals("qemu", c.type());
    }

    @Test
    void kvmIsKvmAndWarnsWhereItEmulatesGuestCode() {
        assertEquals("kvm", choose(QEMU_AND_KVM, Accelerator.KVM, HARDWARE).type());
        assertFalse(choose(QEMU_AND_KVM, Accelerator.KVM, HARDWARE).reason().contains("kvm_pvm"));
        AcceleratorChoice pvm = choose(QEMU_AND_KVM, Accelerator.KVM, PVM);
        assertEquals("kvm", pvm.type());
        assertTrue(pvm.reason().contains("kvm_pvm"), pvm.reason());
    }

    @Test
    void kvmIsRefusedWhereLibvirtOffersNone() {
        UnsupportedOperationException e =
                assertThrows(UnsupportedOperationException.class, () -> choose(QEMU_ONLY, Accelerator.KVM, HARDWARE));
        assertTrue(e.getMessage().contains("no kvm domain"), e.getMessage());
        assertTrue(e.getMessage().contains("qemu:///system"), e.getMessage());
        assertTrue(e.getMessage().contains("offers qemu"), e.getMessage());
        String french = ((UnsupportedGuestOperationException) e).text().render(Locale.FRENCH);
        assertTrue(french.startsWith("la spécification demande KVM, mais libvirt sur qemu:///system"), french);
    }

    @Test
    void everyReasonReadsInEveryLocaleAndStaysEnglishForReason() {
        List<AcceleratorChoice> choices = List.of(
                choose(QEMU_AND_KVM, Accelerator.AUTO, HARDWARE),
                choose(QEMU_AND_KVM, Accelerator.AUTO, PVM),
                choose(QEMU_AND_KVM, Accelerator.AUTO, REMOTE),
                choose(QEMU_ONLY, Accelerator.AUTO, HARDWARE),
                choose(QEMU_AND_KVM, Accelerator.KVM, HARDWARE),
                choose(QEMU_AND_KVM, Accelerator.KVM, PVM),
                choose(QEMU_AND_KVM, Accelerator.TCG, HARDWARE),
                choose(NONE, Accelerator.AUTO, HARDWARE),
                DomainTypes.testDriver());
        for (AcceleratorChoice c : choices) {
            assertEquals(c.reasonMessage().english(), c.reason());
            assertTrue(
                    LinuxHostMessages.CATALOG
                            .texts(Locale.ENGLISH)
                            .containsKey(c.reasonMessage().key()),
                    c.reason());
            for (Locale locale : MessageCatalog.LOCALES.subList(1, MessageCatalog.LOCALES.size())) {
                String text = c.reason(locale);
                assertFalse(text.contains("⟦") || text.equals(c.reason()), locale + ": " + text);
            }
        }
        assertEquals(
                "KVM emuliert hier den Gastcode (kvm_pvm); ein vollständiges Betriebssystem kann darauf nicht laufen",
                choose(QEMU_AND_KVM, Accelerator.AUTO, PVM).reason(Locale.GERMAN));
        String none = choose(NONE, Accelerator.AUTO, HARDWARE).reason(Locale.JAPANESE);
        assertTrue(none.contains("(提供: なし)"), none);
        String arabic = choose(QEMU_ONLY, Accelerator.AUTO, HARDWARE).reason(Locale.forLanguageTag("ar"));
        assertFalse(TranslationCheck.outsideIsolates(arabic).matches(".*[A-Za-z].*"), arabic);
    }

    @Test
    void notCapabilitiesXmlIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> DomainTypes.fromCapabilities("<domain/>"));
        assertThrows(IllegalArgumentException.class, () -> DomainTypes.fromCapabilities("<capabilities>"));
    }

    @Test
    void onlyUrisWithoutAHostAreLocal() {
        assertTrue(LibvirtGuestManager.isLocal("qemu:///system"));
        assertTrue(LibvirtGuestManager.isLocal("qemu:///session"));
        assertTrue(LibvirtGuestManager.isLocal("qemu+unix:///system"));
        assertFalse(LibvirtGuestManager.isLocal("qemu+ssh://root@host.example/system"));
        assertFalse(LibvirtGuestManager.isLocal("qemu+tcp://10.0.0.2/system"));
        assertFalse(LibvirtGuestManager.isLocal("not a uri at all"));
    }
}
