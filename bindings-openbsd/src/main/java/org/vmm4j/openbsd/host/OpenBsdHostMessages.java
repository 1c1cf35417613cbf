package org.vmm4j.openbsd.host;

import org.vmm4j.text.MessageCatalog;

/** The texts of the host setup plan and of vmd's accelerator choice: {@code org/vmm4j/openbsd/host/messages*.properties}. */
public final class OpenBsdHostMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG = new MessageCatalog(
            "/org/vmm4j/openbsd/host/messages", name -> OpenBsdHostMessages.class.getResourceAsStream(name));

    private OpenBsdHostMessages() {}
}
