package org.vmm4j.image;

import java.util.Locale;

/** Disk sizes: parsing human-readable sizes ({@code 20G}) and the checks every image writer shares. */
public final class DiskSize {
    /** Guests address disks in 512-byte sectors; a size that is not a whole number of them cannot be presented. */
    public static final int SECTOR = 512;

    private DiskSize() {}

    /** Rejects sizes that are not positive or not a whole number of 512-byte sectors. */
    public static long requireValid(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("disk size must be positive, got " + size);
        }
        if (size % SECTOR != 0) {
            throw new IllegalArgumentException("disk size must be a multiple of " + SECTOR + " bytes, got " + size);
        }
        return size;
    }

    /**
     * Parses {@code 4096}, {@code 512K}, {@code 20G}, {@code 2T} (binary units, optional {@code iB}/{@code B}).
     *
     * @throws IllegalArgumentException when the text is not a size or overflows a long
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("disk size is empty");
        }
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        char unit = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (unit) {
            case 'K' -> shift = 10;
            case 'M' -> shift = 20;
            case 'G' -> shift = 30;
            case 'T' -> shift = 40;
            case 'P' -> shift = 50;
            default -> shift = 0;
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a disk size: '" + text + "' (expected e.g. 20G, 512M, 4096)");
        }
        try {
            long value = Long.parseLong(digits);
            if (value > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("disk size too large: '" + text + "'");
            }
            return value << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("disk size too large: '" + text + "'", e);
        }
    }
}
