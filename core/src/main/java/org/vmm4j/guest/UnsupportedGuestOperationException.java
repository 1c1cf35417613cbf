package org.vmm4j.guest;

import java.util.Objects;
import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;

/**
 * A guest manager cannot do what is asked of it: run a {@link GuestSpec} or an {@link Accelerator} (TCG on
 * bhyve, UEFI on vmd …), or answer a question it has no means for (a guest agent's addresses on bhyve);
 * the message says what it can do instead. An {@link UnsupportedOperationException}, as the managers
 * document; {@link #text()} reads in the reader's locale.
 */
public class UnsupportedGuestOperationException extends UnsupportedOperationException implements Localized {
    private static final long serialVersionUID = 1L;

    /** Not serialized: a deserialized exception reads as its English message. */
    private final transient Message text;

    /** @param text what cannot be done, from the manager's message catalog; the exception's message is its English */
    public UnsupportedGuestOperationException(Message text) {
        super(Objects.requireNonNull(text, "text").english());
        this.text = text;
    }

    @Override
    public Message text() {
        return text != null ? text : Message.literal(String.valueOf(getMessage()));
    }
}
