package org.vmm4j;

import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One named piece of saved state, as the part that owns it defines it (a backend's vCPU or VM state, a
 * device's registers). Snapshots store sections as they are, under their names; only the owner reads them
 * back. Immutable: the bytes are copied on the way in and on the way out.
 */
public final class StateSection {
    private static final Pattern NAME = Pattern.compile("[a-z0-9._-]{1,64}");

    private final String name;
    private final byte[] data;

    /**
     * @param name lower-case letters, digits, {@code .}, {@code _} and {@code -}, 1 to 64 characters, e.g.
     *     {@code "kvm.xsave"}
     * @param data the bytes (copied)
     * @throws IllegalArgumentException naming the name if it is not of that form
     */
    public StateSection(String name, byte[] data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "state section name '" + name + "' is not 1 to 64 of lower-case letters, digits, '.', '_' and '-'");
        }
        this.name = name;
        this.data = data.clone();
    }

    public String name() {
        return name;
    }

    /** A copy of the bytes. */
    public byte[] data() {
        return data.clone();
    }

    /** The number of bytes, without copying them. */
    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateSection s && s.name.equals(name) && Arrays.equals(s.data, data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "StateSection[" + name + ", " + data.length + " bytes]";
    }
}
