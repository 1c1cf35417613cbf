package org.vmm4j.image;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A file cloud-init writes in the guest ({@code write_files}). Content may be a secret (a token, a
 * key), so {@link #toString()} shows only its size.
 *
 * @param permissions octal mode such as {@code 0644}
 * @param owner       {@code user:group}
 */
@SuppressWarnings("ArrayRecordComponent") // file content, never compared or hashed
public record WriteFile(String path, byte[] content, String permissions, String owner) {
    private static final Pattern MODE = Pattern.compile("0?[0-7]{3,4}");
    private static final Pattern OWNER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}(:[a-z_][a-z0-9_-]{0,31})?");

    public WriteFile {
        CloudNames.guestPath(path);
        content = content.clone();
        if (permissions == null || !MODE.matcher(permissions).matches()) {
            throw new IllegalArgumentException(
                    "permissions must be an octal mode like 0644, got '" + permissions + "'");
        }
        if (owner == null || !OWNER.matcher(owner).matches()) {
            throw new IllegalArgumentException("owner must be user or user:group, got '" + owner + "'");
        }
    }

    /** A UTF-8 text file owned by root. */
    public static WriteFile text(String path, String content, String permissions) {
        return new WriteFile(path, content.getBytes(StandardCharsets.UTF_8), permissions, "root:root");
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    Map<String, Object> toYamlMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        String text = new String(content, StandardCharsets.UTF_8);
        // Anything that does not survive a UTF-8 round trip is sent base64-encoded, which cloud-init decodes.
        if (java.util.Arrays.equals(text.getBytes(StandardCharsets.UTF_8), content)) {
            m.put("content", text);
        } else {
            m.put("encoding", "b64");
            m.put("content", Base64.getEncoder().encodeToString(content));
        }
        m.put("permissions", permissions.length() == 3 ? "0" + permissions : permissions);
        m.put("owner", owner);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WriteFile w
                && w.path.equals(path)
                && java.util.Arrays.equals(w.content, content)
                && w.permissions.equals(permissions)
                && w.owner.equals(owner);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + java.util.Arrays.hashCode(content);
    }

    @Override
    public String toString() {
        return "WriteFile[" + path + ", " + content.length + " bytes, " + permissions + ", " + owner + "]";
    }
}
