package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmdUriTest {

    @Test
    void noUriAndTheSpelledOutDefaultAreTheHostsVmd() {
        VmdUri host = new VmdUri(Path.of("/var/run/vmd.sock"), Path.of("/etc/vm.conf"), Optional.empty());
        assertEquals(host, VmdUri.parse(null));
        assertEquals(host, VmdUri.parse("vmd:///var/run/vmd.sock"));
        assertEquals(host, VmdUri.parse("vmd:///"));
        assertEquals("vmd:///var/run/vmd.sock", host.toString());
    }

    @Test
    void socketConfigAndReleaseCanBeNamed() {
        VmdUri u = VmdUri.parse("vmd:///tmp/fwd/vmd.sock?config=/tmp/fwd/vm.conf&release=7.4");
        assertEquals(Path.of("/tmp/fwd/vmd.sock"), u.socket());
        assertEquals(Path.of("/tmp/fwd/vm.conf"), u.config());
        assertEquals(Optional.of("7.4"), u.release());
        assertEquals("vmd:///tmp/fwd/vmd.sock?config=/tmp/fwd/vm.conf", u.toString());
    }

    @Test
    void otherManagersHostsAndUnknownParametersAreRefusedSaying() {
        IllegalArgumentException libvirt =
                assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("qemu:///system"));
        assertTrue(libvirt.getMessage().contains("vmd:///var/run/vmd.sock"), libvirt.getMessage());
        IllegalArgumentException remote =
                assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd://obsd.example/var/run/vmd.sock"));
        assertTrue(remote.getMessage().contains("ssh -L"), remote.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd:///var/run/vmd.sock?socket=/x"));
        assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd:///var/run/vmd.sock?config=etc/vm.conf"));
        assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd:///var/run/vmd.sock?release=current"));
        assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd:relative"));
        assertThrows(IllegalArgumentException.class, () -> VmdUri.parse("vmd:///a b"));
    }
}
