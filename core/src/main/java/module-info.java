/**
 * vmm4j core: the public API, the pure-Java machinery, and the native seam the backends use.
 */
module org.vmm4j.core {
    requires transitive java.xml;
    requires org.slf4j;
    requires static jdk.management;
    requires transitive java.net.http;
    requires org.snakeyaml.engine.v2;
    requires org.apache.commons.codec;
    requires com.jcraft.jsch;
    requires org.tukaani.xz;

    exports org.vmm4j;
    exports org.vmm4j.spi;
    exports org.vmm4j.image;
    exports org.vmm4j.provision;

    exports org.vmm4j.internal to org.vmm4j.linux, org.vmm4j.freebsd, org.vmm4j.openbsd, org.vmm4j.examples;
    exports org.vmm4j.internal.nat to org.vmm4j.linux, org.vmm4j.freebsd, org.vmm4j.openbsd;

    uses org.vmm4j.spi.HypervisorProvider;
}
