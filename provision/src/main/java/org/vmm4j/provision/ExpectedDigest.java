package org.vmm4j.provision;

import java.util.Locale;

/**
 * The digest a download must have: {@code SHA-256} or {@code SHA-512} (the two the distributions
 * publish) and its value in hex.
 */
public record ExpectedDigest(String algorithm, String hex) {
    public ExpectedDigest {
        int length = switch (algorithm == null ? "" : algorithm) {
            case "SHA-256" -> 64;
            case "SHA-512" -> 128;
            default ->
                throw new IllegalArgumentException(
                        "digest algorithm must be SHA-256 or SHA-512, got '" + algorithm + "'");
        };
        if (hex == null || hex.length() != length || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(
                    algorithm + " digest must be " + length + " hex digits, got '" + hex + "'");
        }
        hex = hex.toLowerCase(Locale.ROOT);
    }

    public static ExpectedDigest sha256(String hex) {
        return new ExpectedDigest("SHA-256", hex);
    }

    public static ExpectedDigest sha512(String hex) {
        return new ExpectedDigest("SHA-512", hex);
    }
}
