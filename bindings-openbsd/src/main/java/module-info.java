/** OpenBSD backends: vmm(4) through /dev/vmm (tier 1) and vmd guests (tier 2). */
module org.vmm4j.openbsd {
    requires transitive org.vmm4j.core;
    requires org.vmm4j.provision;
    requires org.slf4j;

    exports org.vmm4j.openbsd;
    exports org.vmm4j.openbsd.abi;
    exports org.vmm4j.openbsd.guest;
    exports org.vmm4j.openbsd.host;

    provides org.vmm4j.spi.HypervisorProvider with
            org.vmm4j.openbsd.OpenBsdProvider;
}
