package org.vmm4j;

/**
 * A region of guest-physical memory backed by memory of this process. Offsets are relative to
 * {@link #guestAddress()}. Accesses are bounds-checked: an access that does not lie wholly inside
 * the region (or outside the array it copies to or from) throws {@link IndexOutOfBoundsException} and
 * touches nothing. After the region is removed or its VM closes, data accesses throw
 * {@link IllegalStateException}; {@link #guestAddress()} and {@link #size()} still answer.
 */
public interface GuestMemory {

    /** Guest-physical address of offset 0. */
    long guestAddress();

    /** Size in bytes (a multiple of the page size). */
    long size();

    /** The guest can read but not write this region (its writes become MMIO exits). */
    boolean readOnly();

    /** The hypervisor records which pages the guest writes (see {@link VirtualMachine#dirtyLog}). */
    boolean logsDirtyPages();

    /** Whether a guest-physical address falls inside this region. */
    default boolean contains(long guestPhysicalAddress) {
        return guestPhysicalAddress >= guestAddress() && guestPhysicalAddress - guestAddress() < size();
    }

    byte getByte(long offset);

    void putByte(long offset, byte value);

    short getShort(long offset);

    void putShort(long offset, short value);

    int getInt(long offset);

    void putInt(long offset, int value);

    long getLong(long offset);

    void putLong(long offset, long value);

    /** Copies guest memory at {@code offset} into {@code dst}. */
    void read(long offset, byte[] dst, int dstIndex, int length);

    /** Copies {@code src} into guest memory at {@code offset}. */
    void write(long offset, byte[] src, int srcIndex, int length);

    default void write(long offset, byte[] src) {
        write(offset, src, 0, src.length);
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    void fill(long offset, long length, byte value);
}
