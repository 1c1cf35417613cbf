package org.vmm4j.provision;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds one file's digest in a published checksum list. Accepts the formats distributions use:
 * GNU coreutils ({@code <hex>  name} or {@code <hex> *name}, Ubuntu, Debian, openSUSE, Alpine), BSD
 * ({@code SHA256 (name) = <hex>}, FreeBSD, OpenBSD, Fedora, AlmaLinux, Rocky, possibly inside a PGP
 * clear-signed block), and a file holding nothing but the digest.
 */
public final class ChecksumFile {
    private static final Pattern GNU = Pattern.compile("^([0-9A-Fa-f]{64,128})\\s+\\*?(\\S.*)$");
    private static final Pattern BSD = Pattern.compile("^(SHA256|SHA512)\\s*\\((.+)\\)\\s*=\\s*([0-9A-Fa-f]{64,128})$");
    private static final Pattern BARE = Pattern.compile("^([0-9A-Fa-f]{64}|[0-9A-Fa-f]{128})$");

    private ChecksumFile() {}

    /** The digest listed for {@code fileName} with {@code algorithm}, if the text lists it. */
    public static Optional<ExpectedDigest> find(String text, String fileName, String algorithm) {
        String bsdName = algorithm.replace("-", "");
        int hexLength = algorithm.equals("SHA-512") ? 128 : 64;
        String[] lines = text.split("\r?\n");
        for (String raw : lines) {
            String line = raw.strip();
            Matcher bsd = BSD.matcher(line);
            if (bsd.matches() && bsd.group(1).equals(bsdName) && bsd.group(2).equals(fileName)) {
                return Optional.of(new ExpectedDigest(algorithm, bsd.group(3)));
            }
            Matcher gnu = GNU.matcher(line);
            if (gnu.matches()
                    && gnu.group(1).length() == hexLength
                    && baseName(gnu.group(2).strip()).equals(fileName)) {
                return Optional.of(new ExpectedDigest(algorithm, gnu.group(1)));
            }
        }
        String only = text.strip();
        if (BARE.matcher(only).matches() && only.length() == hexLength) {
            return Optional.of(new ExpectedDigest(algorithm, only));
        }
        return Optional.empty();
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
