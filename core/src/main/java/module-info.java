/**
 * vmm4j core: the public API, the pure-Java machinery, and the native seam the backends use.
 */
module org.vmm4j.core {
    requires transitive java.xml;
    requires org.slf4j;
    requires static jdk.management;
    requires org.apache.commons.compress;
    requires org.tukaani.xz;
    // pure-Java zstd/lz4 decoders (automatic module); they use sun.misc.Unsafe, so make sure
    // jdk.unsupported is resolved when an application runs on the module path
    requires aircompressor;
    requires jdk.unsupported;
    // JNA: the native seam on JDK 17-21 (optional; on the module path add --add-modules com.sun.jna).
    requires static com.sun.jna;

    exports org.vmm4j;
    exports org.vmm4j.spi;
    exports org.vmm4j.guest;
    exports org.vmm4j.host;
    exports org.vmm4j.text;
    exports org.vmm4j.boot;
    exports org.vmm4j.machine;
    exports org.vmm4j.x86;
    exports org.vmm4j.event;
    exports org.vmm4j.virtio;
    exports org.vmm4j.internal to
            org.vmm4j.provision,
            org.vmm4j.linux,
            org.vmm4j.freebsd,
            org.vmm4j.openbsd;
    exports org.vmm4j.internal.nat to
            org.vmm4j.linux,
            org.vmm4j.freebsd,
            org.vmm4j.openbsd;

    uses org.vmm4j.spi.HypervisorProvider;
}
