package org.vmm4j.provision;

import java.util.List;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/** The texts of provisioning steps and their progress: {@code org/vmm4j/provision/messages*.properties}. */
public final class ProvisionMessages {
    /** The catalog; its keys are listed in {@code messages.properties}. */
    public static final MessageCatalog CATALOG = new MessageCatalog(
            "/org/vmm4j/provision/messages", name -> ProvisionMessages.class.getResourceAsStream(name));

    private ProvisionMessages() {}

    /** {@code items} joined by {@code failure.list} ("a, b, c" in English), in order; null for none. */
    static Message list(List<Message> items) {
        Message all = null;
        for (Message item : items) {
            all = all == null ? item : CATALOG.message("failure.list", all, item);
        }
        return all;
    }
}
