package org.vmm4j.image;

/**
 * Where a guest offset of a qcow2 image lives, as the L1/L2 tables say.
 */
public sealed interface ClusterMapping {
    /** Not allocated in this image: reads come from the backing file, or zeros without one. */
    record Unallocated() implements ClusterMapping {}

    /** Allocated but marked as reading zeros (qcow2 v3 zero flag), possibly with a preallocated cluster. */
    record Zero(long hostClusterOffset) implements ClusterMapping {}

    /** Stored uncompressed at {@code hostOffset} in the image file (the byte for the guest offset asked). */
    record Data(long hostOffset) implements ClusterMapping {}

    /** Stored compressed; the descriptor is kept raw because its layout depends on the cluster size. */
    record Compressed(long descriptor) implements ClusterMapping {}

    /** Whether this image (not its backing file) holds data for the offset. */
    default boolean allocated() {
        return !(this instanceof Unallocated);
    }
}
