package org.vmm4j.provision;

import java.util.Objects;
import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;

/**
 * A {@link ProvisionRequest} is not valid ({@link ProvisionRequest#validate()}): the message names the first
 * problem. An {@link IllegalArgumentException}, as {@code validate()} documents; {@link #text()} reads in the
 * reader's locale.
 */
public class InvalidRequestException extends IllegalArgumentException implements Localized {
    private static final long serialVersionUID = 1L;

    /** Not serialized: a deserialized exception reads as its English message. */
    private final transient Message text;

    /** @param text the problem, from {@link ProvisionMessages}; the exception's message is its English */
    public InvalidRequestException(Message text) {
        super(Objects.requireNonNull(text, "text").english());
        this.text = text;
    }

    @Override
    public Message text() {
        return text != null ? text : Message.literal(String.valueOf(getMessage()));
    }
}
