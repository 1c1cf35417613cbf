/**
 * vmm4j provision: guest disk images, the cloud-init seed, image downloads, SSH and the create-a-guest
 * workflow, above core, so an application that only runs VMs pulls no SSH, YAML or HTTP library.
 */
module org.vmm4j.provision {
    requires transitive org.vmm4j.core;
    // ImageDownloader takes the HttpClient it downloads with
    requires transitive java.net.http;
    requires org.slf4j;
    requires org.tukaani.xz;
    requires org.snakeyaml.engine.v2;
    requires org.apache.commons.codec;
    requires com.jcraft.jsch;

    exports org.vmm4j.image;
    exports org.vmm4j.provision;
    exports org.vmm4j.provision.build;
}
