package org.vmm4j.virtio;

/**
 * A device's configuration space as the driver sees it: little-endian fields in a few bytes, read at any
 * offset and width ({@link VirtioDevice#readConfig}), 0 beyond the end. The device sets fields with
 * {@link #put}; each put replaces the whole space at once, so a reader on another thread never sees half
 * of one (the driver checks ConfigGeneration for consistency across fields).
 */
final class ConfigSpace {
    private volatile byte[] bytes;

    /** A space of {@code size} zero bytes. */
    ConfigSpace(int size) {
        bytes = new byte[size];
    }

    /** Sets the {@code width}-byte little-endian field at {@code offset} to the low bytes of {@code value}. */
    synchronized void put(int offset, int width, long value) {
        byte[] next = bytes.clone();
        for (int i = 0; i < width; i++) {
            next[offset + i] = (byte) (value >>> (8 * i));
        }
        bytes = next;
    }

    /** Sets the bytes at {@code offset} to {@code value}. */
    synchronized void put(int offset, byte[] value) {
        byte[] next = bytes.clone();
        System.arraycopy(value, 0, next, offset, value.length);
        bytes = next;
    }

    /** The {@code width} bytes at {@code offset}, little-endian; bytes past the end (or before it) read as 0. */
    long read(long offset, int width) {
        byte[] b = bytes;
        long value = 0;
        for (int i = 0; i < width; i++) {
            long at = offset + i;
            if (at >= 0 && at < b.length) {
                value |= (b[(int) at] & 0xffL) << (8 * i);
            }
        }
        return value;
    }
}
