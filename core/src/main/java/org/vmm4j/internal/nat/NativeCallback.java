package org.vmm4j.internal.nat;

/** A C function pointer that calls into Java (an upcall stub). Closing frees the stub. */
public interface NativeCallback extends AutoCloseable {

    /** The function pointer to hand to C. */
    long address();

    @Override
    void close();
}
