package org.vmm4j.linux.guest;

import static org.vmm4j.linux.guest.XmlDocuments.add;
import static org.vmm4j.linux.guest.XmlDocuments.addText;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vmm4j.guest.DiskSpec;
import org.vmm4j.guest.VolumeSpec;
import org.vmm4j.host.SafeNames;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Storage pool and volume XML (https://libvirt.org/formatstorage.html). */
final class StorageXml {
    private static final Logger LOG = LoggerFactory.getLogger(StorageXml.class);

    private StorageXml() {}

    static String directoryPool(String name, String path) {
        SafeNames.require("pool name", name, 63);
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a directory pool needs an absolute path, got '" + path + "'");
        }
        Document document = XmlDocuments.create("pool");
        Element pool = document.getDocumentElement();
        pool.setAttribute("type", "dir");
        addText(pool, "name", name);
        Element target = add(pool, "target");
        addText(target, "path", path);
        return XmlDocuments.print(document);
    }

    static String volume(VolumeSpec spec) {
        Document document = XmlDocuments.create("volume");
        Element volume = document.getDocumentElement();
        String format = spec.format() == DiskSpec.Format.QCOW2 ? "qcow2" : "raw";
        addText(volume, "name", spec.name());
        addText(volume, "capacity", Long.toString(spec.capacityBytes()), "unit", "bytes");
        Element target = add(volume, "target");
        add(target, "format", "type", format);
        if (spec.backingPath() != null) {
            Element backing = add(volume, "backingStore");
            addText(backing, "path", spec.backingPath());
            add(backing, "format", "type", "qcow2".equals(backingFormatHint(spec.backingPath())) ? "qcow2" : "raw");
        }
        return XmlDocuments.print(document);
    }

    /** The backing file's format from its first bytes: "QFI\xfb" is qcow2, anything else raw. */
    private static String backingFormatHint(String path) {
        try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(path))) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4
                            && magic[0] == 'Q'
                            && magic[1] == 'F'
                            && magic[2] == 'I'
                            && (magic[3] & 0xff) == 0xfb
                    ? "qcow2"
                    : "raw";
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("cannot read backing file {} to tell its format; assuming qcow2", path, e);
            return "qcow2"; // not readable here (a remote host): the usual overlay chain
        }
    }
}
