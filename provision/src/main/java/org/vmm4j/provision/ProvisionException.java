package org.vmm4j.provision;

import java.util.List;
import org.vmm4j.VmmException;

/**
 * A provisioning step failed. Everything created for the guest up to then has been removed; what was
 * removed is in {@link #rolledBack()}, and anything that could not be removed is a suppressed
 * exception. The message names the step, the cause and a troubleshooting hint, never a secret.
 */
public class ProvisionException extends VmmException {
    private static final long serialVersionUID = 1L;

    private final String guestName;
    private final ProvisionStep step;
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
