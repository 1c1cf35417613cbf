/**
 * FreeBSD backends: /dev/vmm + libvmmapi (tier 1) and bhyve(8) guests (tier 2). The provider and the
 * tier-1 types are in {@code org.vmm4j.freebsd}, raw layouts in {@code .abi}, guests in {@code .guest},
 * probe and plans in {@code .host}; {@code .internal} (not exported) talks to the native seam.
 */
module org.vmm4j.freebsd {
    requires transitive org.vmm4j.core;
    requires org.slf4j;

    exports org.vmm4j.freebsd;
    exports org.vmm4j.freebsd.abi;
    exports org.vmm4j.freebsd.guest;
    exports org.vmm4j.freebsd.host;

    provides org.vmm4j.spi.HypervisorProvider with
            org.vmm4j.freebsd.BhyveProvider;
}
