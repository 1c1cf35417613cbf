package org.vmm4j.linux.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.vmm4j.guest.GuestSpec;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of libvirt domain XML to {@link GuestSpec} ({@link DomainXml#parse}): the
 * XML parser's refusals (malformed documents, DOCTYPEs, entities), sizes with units, vCPU counts and
 * topologies, boot (firmware, order, direct kernel), disks, interfaces, consoles and graphics. The input
 * bytes are read as UTF-8. Every document either gives a spec, which passed the spec's own validation
 * and survives {@link DomainXml#toXml} and a second parse unchanged, or is refused with an {@link
 * IllegalArgumentException} naming what is wrong, within 2 s and 64 MiB: a document of a few KiB
 * becomes a DOM of a few hundred KiB, and the JDK's secure processing limits entity expansion, so the
 * bound catches an expansion or a copy that grows with a value in the document. Seeds ({@code
 * DomainXmlFuzzTestInputs/xml}, remade by {@code bindings-linux/src/test/fuzz/make-domain-xml-seeds}):
 * what libvirt ({@code virsh dumpxml}) writes for domains defined from our own XML, and hand-written
 * documents with every element and attribute the parser reads.
 */
class DomainXmlFuzzTest {
    private static final FuzzCheck CHECK =
            FuzzCheck.of(Duration.ofSeconds(2), 64L << 20, IllegalArgumentException.class);

    /** What the parser looks for, so mutations reach its branches instead of breaking the XML. */
    @DictionaryEntries({
        "<domain type='kvm'>",
        "</domain>",
        "<name>",
        "</name>",
        "<memory unit='",
        "</memory>",
        "KiB",
        "MiB",
        "GiB",
        "TiB",
        "bytes",
        "KB",
        "MB",
        "GB",
        "TB",
        "<vcpu>",
        "</vcpu>",
        "<cpu mode='",
        "host-model",
        "host-passthrough",
        "<topology sockets='",
        " dies='",
        " cores='",
        " threads='",
        "<os firmware='efi'>",
        "<os>",
        "</os>",
        "<loader type='pflash'/>",
        "<boot dev='",
        "hd",
        "cdrom",
        "network",
        "<kernel>",
        "</kernel>",
        "<initrd>",
        "</initrd>",
        "<cmdline>",
        "</cmdline>",
        "<devices>",
        "</devices>",
        "<disk type='",
        "' device='",
        "block",
        "volume",
        "file",
        "floppy",
        "</disk>",
        "<source pool='",
        "' volume='",
        "<source file='",
        "<source dev='",
        "<driver name='qemu' type='qcow2'/>",
        "<target dev='vda' bus='",
        "virtio",
        "sata",
        "nvme",
        "ide",
        "scsi",
        "<readonly/>",
        "<interface type='",
        "bridge",
        "ethernet",
        "user",
        "</interface>",
        "<source network='",
        "<source bridge='",
        "<target dev='",
        "<mac address='52:54:00:12:34:56'/>",
        "<model type='",
        "<serial type='pty'>",
        "</serial>",
        "<console type='pty'/>",
        "<graphics type='vnc'/>",
        "'/>",
        "&#",
        "&amp;",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<?xml version='1.0' encoding='UTF-8'?>",
        "xmlns:x='urn:x'"
    })
    @FuzzTest
    void xml(byte[] input) {
        String xml = new String(input, StandardCharsets.UTF_8);
        String name = input.length + " bytes: " + xml.substring(0, Math.min(xml.length(), 80));
        CHECK.run(name, () -> {
            GuestSpec spec = DomainXml.parse(xml, false);
            assertEquals(spec, spec.toBuilder().build(), "the spec passes its own validation again");
            // the domain type the spec's accelerator asks for; test (read back as AUTO) for AUTO
            String written = DomainXml.toXml(
                    spec, Objects.requireNonNullElse(DomainXml.domainType(spec.accelerator()), DomainTypes.TEST));
            assertEquals(spec, DomainXml.parse(written, false), "the spec survives toXml and parse:\n" + written);
        });
    }
}
