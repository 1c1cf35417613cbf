package org.vmm4j.linux.guest;

import static org.vmm4j.linux.guest.XmlDocuments.addText;
import static org.vmm4j.linux.guest.XmlDocuments.text;

import java.time.Instant;
import org.vmm4j.guest.GuestState;
import org.vmm4j.guest.Snapshot;
import org.vmm4j.host.SafeNames;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Snapshot XML (https://libvirt.org/formatsnapshot.html) to and from {@link Snapshot}. */
final class SnapshotXml {
    private SnapshotXml() {}

    static String toXml(String name, String description) {
        SafeNames.require("snapshot name", name, 255);
        Document document = XmlDocuments.create("domainsnapshot");
        Element root = document.getDocumentElement();
        addText(root, "name", name);
        if (description != null && !description.isEmpty()) {
            addText(root, "description", description);
        }
        return XmlDocuments.print(document);
    }

    static Snapshot parse(String xml, boolean current) {
        Element root = XmlDocuments.parse(xml).getDocumentElement();
        String created = text(root, "creationTime");
        String state = text(root, "state");
        String description = text(root, "description");
        return new Snapshot(
                text(root, "name"),
                description == null ? "" : description,
                created == null ? Instant.EPOCH : Instant.ofEpochSecond(Long.parseLong(created)),
                guestState(state),
                current,
                "disk-snapshot".equals(state));
    }

    private static GuestState guestState(String state) {
        if (state == null) {
            return GuestState.UNKNOWN;
        }
        switch (state) {
            case "running":
                return GuestState.RUNNING;
            case "blocked":
                return GuestState.BLOCKED;
            case "paused":
                return GuestState.PAUSED;
            case "shutdown":
                return GuestState.SHUTTING_DOWN;
            case "shutoff":
            case "disk-snapshot":
                return GuestState.STOPPED;
            case "crashed":
                return GuestState.CRASHED;
            case "pmsuspended":
                return GuestState.SUSPENDED;
            default:
                return GuestState.UNKNOWN;
        }
    }
}
