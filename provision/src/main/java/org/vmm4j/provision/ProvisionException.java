package org.vmm4j.provision;

import java.util.List;
import java.util.Locale;
import org.vmm4j.VmmException;
import org.vmm4j.text.MessageCatalog;

/**
 * A provisioning step failed. Everything created for the guest up to then has been removed; what was
 * removed is in {@link #rolledBack()}, and anything that could not be removed is a suppressed
 * exception. The message names the step, the cause and a troubleshooting hint, never a secret.
 */
public class ProvisionException extends VmmException {
    private static final long serialVersionUID = 1L;

    private final String guestName;
    private final ProvisionStep step;
    private final String reason;
    private final String hint;

    @SuppressWarnings("serial") // always a List.copyOf list, which is serializable
    private final List<String> rolledBack;

    public ProvisionException(
            String guestName,
            ProvisionStep step,
            String reason,
            String hint,
            List<String> rolledBack,
            Throwable cause) {
        super(message(guestName, step, reason, hint, rolledBack), cause);
        this.guestName = guestName;
        this.step = step;
        this.reason = reason;
        this.hint = hint;
        this.rolledBack = List.copyOf(rolledBack);
    }

    private static String message(
            String guestName, ProvisionStep step, String reason, String hint, List<String> rolledBack) {
        return "provisioning " + guestName + " failed at step " + step.number() + "/" + ProvisionStep.count()
                + " (" + step.label() + "): " + reason
                + (hint.isEmpty() ? "" : "; hint: " + hint)
                + (rolledBack.isEmpty() ? "" : "; rolled back: " + String.join(", ", rolledBack));
    }

    /**
     * The message in {@code locale}: the step's name, and its hint when it is the step's own, come from
     * {@link ProvisionMessages}; the reason and what was rolled back are quoted as they are.
     */
    public String message(Locale locale) {
        MessageCatalog texts = ProvisionMessages.CATALOG;
        String hintText = hint.equals(step.hint()) ? step.hintMessage().render(locale) : hint;
        return texts.format(
                        locale, "failure", guestName, step.number(), ProvisionStep.count(), step.labelMessage(), reason)
                + (hintText.isEmpty() ? "" : "; " + texts.format(locale, "failure.hint", hintText))
                + (rolledBack.isEmpty()
                        ? ""
                        : "; " + texts.format(locale, "failure.rolled-back", String.join(", ", rolledBack)));
    }

    /** What went wrong in the step, as its cause said it (secrets redacted). */
    public String reason() {
        return reason;
    }

    public String guestName() {
        return guestName;
    }

    public ProvisionStep step() {
        return step;
    }

    public String hint() {
        return hint;
    }

    /** What was removed, most recent first ("guest web1 undefined", "disk /x/web1.qcow2 deleted"). */
    public List<String> rolledBack() {
        return rolledBack;
    }
}
