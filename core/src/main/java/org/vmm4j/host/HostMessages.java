package org.vmm4j.host;

import org.vmm4j.text.MessageCatalog;

/** The texts of host plans and probe facts: {@code org/vmm4j/host/messages*.properties}. */
public final class HostMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG =
            new MessageCatalog("/org/vmm4j/host/messages", name -> HostMessages.class.getResourceAsStream(name));

    private HostMessages() {}
}
