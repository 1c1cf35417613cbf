/**
 * Linux backends: KVM through /dev/kvm (tier 1, {@code org.vmm4j.linux}) and libvirt (tier 2,
 * {@code org.vmm4j.linux.guest}).
 */
module org.vmm4j.linux {
    requires transitive org.vmm4j.core;
    requires org.slf4j;
    requires java.xml;

    exports org.vmm4j.linux;
    exports org.vmm4j.linux.abi;
    exports org.vmm4j.linux.guest;
    exports org.vmm4j.linux.host;

    provides org.vmm4j.spi.HypervisorProvider with
            org.vmm4j.linux.KvmProvider;
}
