package org.vmm4j.linux.guest;

import static org.vmm4j.linux.guest.XmlDocuments.add;
import static org.vmm4j.linux.guest.XmlDocuments.addText;
import static org.vmm4j.linux.guest.XmlDocuments.attribute;
import static org.vmm4j.linux.guest.XmlDocuments.child;
import static org.vmm4j.linux.guest.XmlDocuments.text;

import org.vmm4j.guest.NetworkSpec;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** {@link NetworkSpec} to network XML (https://libvirt.org/formatnetwork.html) and back. */
public final class NetworkXml {
    private NetworkXml() {}

    public static String toXml(NetworkSpec spec) {
        Document document = XmlDocuments.create("network");
        Element network = document.getDocumentElement();
        addText(network, "name", spec.name());
        switch (spec.mode()) {
            case NAT:
                add(network, "forward", "mode", "nat");
                break;
            case ROUTED:
                add(network, "forward", "mode", "route");
                break;
            case BRIDGE:
                add(network, "forward", "mode", "bridge");
                break;
            default:
                break; // no <forward>: isolated
        }
        if (spec.mode() == NetworkSpec.Mode.BRIDGE) {
            add(network, "bridge", "name", spec.bridge());
            return XmlDocuments.print(document);
        }
        if (spec.bridge() != null) {
            add(network, "bridge", "name", spec.bridge(), "stp", "on", "delay", "0");
        }
        Element ip = add(network, "ip", "address", spec.address(), "prefix", Integer.toString(spec.prefix()));
        if (spec.dhcpStart() != null) {
            Element dhcp = add(ip, "dhcp");
            add(dhcp, "range", "start", spec.dhcpStart(), "end", spec.dhcpEnd());
        }
        return XmlDocuments.print(document);
    }

    public static NetworkSpec parse(String xml) {
        Element network = XmlDocuments.parse(xml).getDocumentElement();
        String name = text(network, "name");
        String forward = attribute(child(network, "forward"), "mode");
        String bridge = attribute(child(network, "bridge"), "name");
        NetworkSpec.Mode mode = forward == null
                ? NetworkSpec.Mode.ISOLATED
                : forward.equals("nat")
                        ? NetworkSpec.Mode.NAT
                        : forward.equals("route")
                                ? NetworkSpec.Mode.ROUTED
                                : forward.equals("bridge") ? NetworkSpec.Mode.BRIDGE : NetworkSpec.Mode.NAT;
        if (mode == NetworkSpec.Mode.BRIDGE) {
            return NetworkSpec.bridge(name, bridge);
        }
        Element ip = child(network, "ip");
        String address = attribute(ip, "address");
        int prefix = 24;
        String prefixText = attribute(ip, "prefix");
        String netmask = attribute(ip, "netmask");
        if (prefixText != null) {
            prefix = Integer.parseInt(prefixText);
        } else if (netmask != null) {
            prefix = prefixOf(netmask);
        }
        Element range = ip == null ? null : XmlDocuments.path(ip, "dhcp", "range");
        return new NetworkSpec(name, mode, bridge, address, prefix, attribute(range, "start"), attribute(range, "end"));
    }

    private static int prefixOf(String netmask) {
        int bits = 0;
        for (String octet : netmask.split("\\.")) {
            bits += Integer.bitCount(Integer.parseInt(octet));
        }
        return bits;
    }
}
