package org.vmm4j.host;

/**
 * One step of a long operation moving on.
 *
 * @param step     the step's name ("download image", "wait for SSH")
 * @param index    the step's position, from 1
 * @param total    how many steps there are
 * @param fraction how far the step is, 0.0 to 1.0, or -1 when it cannot tell
 * @param message  what is happening, for people
 */
public record Progress(String step, int index, int total, double fraction, String message) {}
