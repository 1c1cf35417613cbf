package org.vmm4j.provision;

import java.io.IOException;
import org.vmm4j.text.Localized;
import org.vmm4j.text.Message;

/**
 * A download attempt broke in a way {@link ImageDownloader} words itself (a short body, a refused resume);
 * it retries, and the last one's text goes into the {@link DownloadException}, in the reader's locale.
 */
final class TransferIOException extends IOException implements Localized {
    private static final long serialVersionUID = 1L;

    /** Not serialized: a deserialized exception reads as its English message. */
    private final transient Message text;

    TransferIOException(Message text) {
        super(text.english());
        this.text = text;
    }

    @Override
    public Message text() {
        return text != null ? text : Message.literal(String.valueOf(getMessage()));
    }
}
