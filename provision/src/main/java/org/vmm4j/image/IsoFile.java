package org.vmm4j.image;

import java.util.Objects;

/**
 * A file to put in the root directory of an ISO image. Names may be long and lower case (they are
 * kept by the Rock Ridge and Joliet trees); they may not contain path separators or the characters
 * Joliet forbids. The content is not shown by {@link #toString()}: seed files can hold secrets.
 */
@SuppressWarnings("ArrayRecordComponent") // file content, never compared or hashed
public record IsoFile(String name, byte[] content) {
    /** Joliet allows 64 UCS-2 characters per name. */
    public static final int MAX_NAME = 64;

    public IsoFile {
        Objects.requireNonNull(content, "content");
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(
                    "ISO file name must be 1.." + MAX_NAME + " characters, got '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || "/\\*:;?".indexOf(c) >= 0 || Character.isSurrogate(c)) {
                throw new IllegalArgumentException("ISO file name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' contains a character Joliet or Rock Ridge cannot hold: "
                        + String.format("U+%04X", (int) c));
            }
        }
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    int length() {
        return content.length;
    }

    byte[] contentView() {
        return content;
    }

    @Override
    public String toString() {
        return "IsoFile[" + name + ", " + content.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IsoFile f && f.name.equals(name) && java.util.Arrays.equals(f.content, content);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + java.util.Arrays.hashCode(content);
    }
}
