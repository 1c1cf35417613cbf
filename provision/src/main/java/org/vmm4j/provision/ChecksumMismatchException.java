package org.vmm4j.provision;

/** A download completed but its digest differs from the expected one; nothing was kept. */
public class ChecksumMismatchException extends DownloadException {
    private static final long serialVersionUID = 1L;

    private final String algorithm;
    private final String expectedHex;
    private final String actualHex;

    ChecksumMismatchException(String url, ExpectedDigest expected, String actualHex) {
        super(
                ProvisionMessages.CATALOG.message(
                        "error.checksum-mismatch", expected.algorithm(), url, expected.hex(), actualHex),
                0);
        this.algorithm = expected.algorithm();
        this.expectedHex = expected.hex();
        this.actualHex = actualHex;
    }

    public ExpectedDigest expected() {
        return new ExpectedDigest(algorithm, expectedHex);
    }

    public String actualHex() {
        return actualHex;
    }
}
