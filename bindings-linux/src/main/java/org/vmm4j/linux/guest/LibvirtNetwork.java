package org.vmm4j.linux.guest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.vmm4j.guest.DhcpLease;
import org.vmm4j.guest.NetworkSpec;
import org.vmm4j.internal.nat.NativeFunction;
import org.vmm4j.internal.nat.NativeMemory;
import org.vmm4j.linux.abi.LibvirtLayout;
import org.vmm4j.linux.internal.Libvirt;
import org.vmm4j.linux.internal.LibvirtErrors;
import org.vmm4j.linux.internal.LibvirtHandle;

/** A libvirt virtual network ({@code virNetworkPtr}); {@link #close()} releases the reference. */
public final class LibvirtNetwork implements AutoCloseable {
    private final Libvirt lv;
    private final LibvirtHandle net;
    private final String name;

    LibvirtNetwork(LibvirtGuestManager manager, long network) {
        this.lv = manager.lv;
        this.net = new LibvirtHandle(this, network, lv.virNetworkFree, "libvirt network");
        try {
            this.name = lv.access.readString(
                    LibvirtErrors.checkPointer(lv, lv.virNetworkGetName.call(network), "virNetworkGetName"));
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    private int call(NativeFunction f, String operation) {
        return net.call(lv, f, operation, name);
    }

    private int call(NativeFunction f, long argument, String operation) {
        return net.call(lv, f, argument, operation, name);
    }

    public void start() {
        call(lv.virNetworkCreate, "virNetworkCreate");
    }

    public void stop() {
        call(lv.virNetworkDestroy, "virNetworkDestroy");
    }

    public boolean isActive() {
        return call(lv.virNetworkIsActive, "virNetworkIsActive") == 1;
    }

    public boolean autostart() {
        long n = net.acquire();
        try (NativeMemory out = lv.access.allocate(4)) {
            LibvirtErrors.check(
                    lv, lv.virNetworkGetAutostart.call(n, out.address()), "virNetworkGetAutostart(" + name + ")");
            return out.getInt(0) != 0;
        } finally {
            net.release();
        }
    }

    public void setAutostart(boolean enabled) {
        call(lv.virNetworkSetAutostart, enabled ? 1 : 0, "virNetworkSetAutostart");
    }

    /** Removes the persistent definition (a running network keeps running until stopped). */
    public void undefine() {
        call(lv.virNetworkUndefine, "virNetworkUndefine");
    }

    public String xml() {
        long n = net.acquire();
        try {
            return lv.takeString(LibvirtErrors.checkPointer(
                    lv, lv.virNetworkGetXMLDesc.call(n, 0), "virNetworkGetXMLDesc(" + name + ")"));
        } finally {
            net.release();
        }
    }

    public NetworkSpec spec() {
        return NetworkXml.parse(xml());
    }

    /** The DHCP leases the network's dnsmasq handed out. */
    public List<DhcpLease> leases() {
        long n = net.acquire();
        try (NativeMemory out = lv.access.allocate(8)) {
            int count = LibvirtErrors.check(
                    lv,
                    lv.virNetworkGetDHCPLeases.call(n, 0, out.address(), 0),
                    "virNetworkGetDHCPLeases(" + name + ")");
            long array = out.getLong(0);
            List<DhcpLease> result = new ArrayList<>(count);
            if (array == 0) {
                return result;
            }
            NativeMemory leases = lv.access.view(array, 8L * count);
            try {
                for (int i = 0; i < count; i++) {
                    NativeMemory l = lv.access.view(leases.getLong(8L * i), LibvirtLayout.DHCP_LEASE_SIZE);
                    result.add(new DhcpLease(
                            lv.access.readString(l.getLong(LibvirtLayout.DHCP_LEASE_IFACE)),
                            lv.access.readString(l.getLong(LibvirtLayout.DHCP_LEASE_MAC)),
                            lv.access.readString(l.getLong(LibvirtLayout.DHCP_LEASE_IPADDR)),
                            l.getInt(LibvirtLayout.DHCP_LEASE_PREFIX),
                            lv.access.readString(l.getLong(LibvirtLayout.DHCP_LEASE_HOSTNAME)),
                            Instant.ofEpochSecond(l.getLong(LibvirtLayout.DHCP_LEASE_EXPIRYTIME))));
                }
            } finally {
                for (int i = 0; i < count; i++) {
                    lv.virNetworkDHCPLeaseFree.call(leases.getLong(8L * i));
                }
                lv.free.call(array);
            }
            return result;
        } finally {
            net.release();
        }
    }

    @Override
    public void close() {
        net.close();
    }

    @Override
    public String toString() {
        return "LibvirtNetwork[" + name + "]";
    }
}
