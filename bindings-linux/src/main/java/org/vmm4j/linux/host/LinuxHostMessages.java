package org.vmm4j.linux.host;

import org.vmm4j.text.MessageCatalog;

/** The texts of the Linux host setup plan and of libvirt's accelerator choices: {@code org/vmm4j/linux/host/messages*.properties}. */
public final class LinuxHostMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG = new MessageCatalog(
            "/org/vmm4j/linux/host/messages", name -> LinuxHostMessages.class.getResourceAsStream(name));

    private LinuxHostMessages() {}
}
