package org.vmm4j.provision;

import org.vmm4j.text.MessageCatalog;

/** The texts of provisioning steps and their progress: {@code org/vmm4j/provision/messages*.properties}. */
public final class ProvisionMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG = new MessageCatalog(
            "/org/vmm4j/provision/messages", name -> ProvisionMessages.class.getResourceAsStream(name));

    private ProvisionMessages() {}
}
