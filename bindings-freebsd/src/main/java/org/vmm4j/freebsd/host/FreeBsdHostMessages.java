package org.vmm4j.freebsd.host;

import org.vmm4j.text.MessageCatalog;

/** The texts of the host setup plan and of bhyve's accelerator choice: {@code org/vmm4j/freebsd/host/messages*.properties}. */
public final class FreeBsdHostMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG = new MessageCatalog(
            "/org/vmm4j/freebsd/host/messages", name -> FreeBsdHostMessages.class.getResourceAsStream(name));

    private FreeBsdHostMessages() {}
}
