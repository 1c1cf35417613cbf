/** Linux backends: KVM through /dev/kvm (tier 1) and libvirt (tier 2). */
module org.vmm4j.linux {
    requires transitive org.vmm4j.core;
    requires org.slf4j;
    requires java.xml;

    exports org.vmm4j.linux.kvm;
    exports org.vmm4j.linux.libvirt;
    exports org.vmm4j.linux.host;

    provides org.vmm4j.spi.HypervisorProvider with org.vmm4j.linux.kvm.KvmProvider;
}
