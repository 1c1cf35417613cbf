package org.vmm4j.provision;

import java.util.List;
import java.util.Locale;
import org.vmm4j.VmmException;
import org.vmm4j.text.Message;
import org.vmm4j.text.MessageCatalog;

/**
 * A provisioning step failed. Everything created for the guest up to then has been removed; what was
 * removed is in {@link #rolledBack()}, and anything that could not be removed is a suppressed
 * exception. The message names the step, the cause and a troubleshooting hint, never a secret.
 *
 * <p>The reason, the hint and what was rolled back are {@link Message}s ({@link #reasonMessage()} …), so
 * {@link #message(Locale)} reads in the reader's locale; {@link #getMessage()} and the string accessors are
 * English.
 */
public class ProvisionException extends VmmException {
    private static final long serialVersionUID = 1L;

    private final String guestName;
    private final ProvisionStep step;
    private final String reason;
    private final String hint;

    @SuppressWarnings("serial") // always a List.copyOf list, which is serializable
    private final List<String> rolledBack;

    /** Not serialized: a deserialized exception reads its English texts in every locale. */
    private final transient Message reasonMessage;

    private final transient Message hintMessage;
    private final transient List<Message> rolledBackMessages;

    /**
     * A failure whose reason, hint and rollback texts are English strings; a hint equal to the step's own
     * ({@link ProvisionStep#hint()}) still reads in the reader's locale.
     */
    public ProvisionException(
            String guestName,
            ProvisionStep step,
            String reason,
            String hint,
            List<String> rolledBack,
            Throwable cause) {
        this(
                guestName,
                step,
                Message.literal(reason),
                hint.equals(step.hint()) ? step.hintMessage() : Message.literal(hint),
                rolledBack.stream().map(Message::literal).toList(),
                cause);
    }

    /**
     * A failure whose texts are messages.
     *
     * @param reason     what went wrong in the step (secrets redacted)
     * @param hint       what to check, e.g. {@link ProvisionStep#hintMessage()}; an empty literal for none
     * @param rolledBack what was removed, most recent first
     */
    public ProvisionException(
            String guestName,
            ProvisionStep step,
            Message reason,
            Message hint,
            List<Message> rolledBack,
            Throwable cause) {
        super(text(guestName, step, reason, hint, rolledBack).english(), cause);
        this.guestName = guestName;
        this.step = step;
        this.reason = reason.english();
        this.hint = hint.english();
        this.rolledBack = rolledBack.stream().map(Message::english).toList();
        this.reasonMessage = reason;
        this.hintMessage = hint;
        this.rolledBackMessages = List.copyOf(rolledBack);
    }

    /** The message in {@code locale}: the step, the reason, the hint and what was rolled back. */
    public String message(Locale locale) {
        return text().render(locale);
    }

    /**
     * The whole message, for the reader's locale: {@code failure}, then {@code failure.hint} and
     * {@code failure.rolled-back} when there is a hint and something was rolled back.
     */
    @Override
    public Message text() {
        return text(guestName, step, reasonMessage(), hintMessage(), rolledBackMessages());
    }

    /** The whole message; its English is {@link #getMessage()}. */
    private static Message text(
            String guestName, ProvisionStep step, Message reason, Message hint, List<Message> rolledBack) {
        MessageCatalog texts = ProvisionMessages.CATALOG;
        Message text =
                texts.message("failure", guestName, step.number(), ProvisionStep.count(), step.labelMessage(), reason);
        if (!hint.english().isEmpty()) {
            text = texts.message("failure.and", text, texts.message("failure.hint", hint));
        }
        if (!rolledBack.isEmpty()) {
            text = texts.message(
                    "failure.and", text, texts.message("failure.rolled-back", ProvisionMessages.list(rolledBack)));
        }
        return text;
    }

    /** What went wrong in the step, in English (secrets redacted). */
    public String reason() {
        return reason;
    }

    /** What went wrong in the step, for the reader's locale (secrets redacted). */
    public Message reasonMessage() {
        return reasonMessage == null ? Message.literal(reason) : reasonMessage;
    }

    public String guestName() {
        return guestName;
    }

    public ProvisionStep step() {
        return step;
    }

    /** What to check, in English; empty when there is no hint. */
    public String hint() {
        return hint;
    }

    /** What to check, for the reader's locale. */
    public Message hintMessage() {
        return hintMessage == null ? Message.literal(hint) : hintMessage;
    }

    /** What was removed, most recent first ("guest web1 undefined", "disk /x/web1.qcow2 deleted"). */
    public List<String> rolledBack() {
        return rolledBack;
    }

    /** {@link #rolledBack()} for the reader's locale. */
    public List<Message> rolledBackMessages() {
        return rolledBackMessages == null
                ? rolledBack.stream().map(Message::literal).toList()
                : rolledBackMessages;
    }
}
