package org.vmm4j.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NetworkAndVolumeSpecTest {

    @Test
    void natFactoryHandsOutTheRestOfTheSlash24() {
        NetworkSpec spec = NetworkSpec.nat("lan", "192.168.50.1");
        assertEquals(24, spec.prefix());
        assertEquals("192.168.50.2", spec.dhcpStart());
        assertEquals("192.168.50.254", spec.dhcpEnd());
    }

    @Test
    void rejectsNetworkNameWithShellMetacharacters() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> NetworkSpec.nat("lan;reboot", "192.168.50.1"));
        assertTrue(e.getMessage().contains("network name"), e.getMessage());
    }

    @Test
    void rejectsBridgeNetworkWithoutBridgeOrWithAddress() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("b", NetworkSpec.Mode.BRIDGE, null, null, 0, null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("b", NetworkSpec.Mode.BRIDGE, "br0", "10.0.0.1", 24, null, null));
    }

    @Test
    void rejectsHalfADhcpRangeAndBadAddresses() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("n", NetworkSpec.Mode.NAT, null, "10.0.0.1", 24, "10.0.0.2", null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("n", NetworkSpec.Mode.NAT, null, "10.0.0.256", 24, null, null));
        assertThrows(
                IllegalArgumentException.class,
                () -> new NetworkSpec("n", NetworkSpec.Mode.ISOLATED, null, "10.0.0.1", 31, null, null));
    }

    @Test
    void onlyQcow2VolumesHaveBackingImages() {
        assertThrows(
                IllegalArgumentException.class, () -> new VolumeSpec("v", DiskSpec.Format.RAW, 1 << 20, "/base.img"));
        assertEquals(
                "/base.qcow2", VolumeSpec.overlay("v", 1 << 20, "/base.qcow2").backingPath());
        assertThrows(IllegalArgumentException.class, () -> VolumeSpec.raw("v", 0));
        assertThrows(IllegalArgumentException.class, () -> VolumeSpec.raw("../v", 1));
    }
}
