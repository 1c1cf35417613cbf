/**
 * The native seam: every call into the kernel or a C library goes through here. {@link
 * org.vmm4j.internal.nat.NativeAccess} picks the implementation once, FFM ({@code java.lang.foreign}, in
 * the multi-release jar's {@code META-INF/versions/22}) on JDK 22 and newer, JNA on JDK 17 to 21;
 * {@link org.vmm4j.internal.nat.NativeMemory} is an off-heap region with long offsets,
 * {@link org.vmm4j.internal.nat.NativeFunction} a bound C function whose {@code call} allocates nothing,
 * and {@link org.vmm4j.internal.nat.Libc} the C library (on x86-64 Linux every kernel call through one
 * {@code syscall(2)} downcall). Exported only to the binding modules; no type of this package appears in
 * an exported signature.
 */
package org.vmm4j.internal.nat;
