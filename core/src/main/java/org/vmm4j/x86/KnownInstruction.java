package org.vmm4j.x86;

import java.util.Objects;
import java.util.Optional;

/**
 * An x86 instruction that a hypervisor's instruction emulator is known to leave unfinished, with the
 * CPU feature that lets a guest use it. Where every guest instruction is emulated (KVM nested through
 * PVM), a guest that is told it has the feature uses the instruction and stops there; hiding the
 * feature from the guest's CPUID makes it take another path.
 *
 * <p>{@link #identify} is the table: it decodes prefixes, REX, the opcode and the ModRM byte, and
 * nothing that needs the guest's state.
 *
 * @param name    the mnemonic ("POPCNT", "XRSTOR")
 * @param feature the CPU feature flag that offers it, as the CPU model names it ("popcnt", "xsave"),
 *                or {@code null} when no feature edit avoids it
 * @param length  the instruction's length in bytes (prefixes, opcode, ModRM, SIB, displacement)
 */
public record KnownInstruction(String name, String feature, int length) {
    /** The longest x86 instruction. */
    public static final int MAX_LENGTH = 15;

    public KnownInstruction {
        Objects.requireNonNull(name, "name");
        if (length < 1 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("an x86 instruction is 1 to 15 bytes, not " + length);
        }
    }

    /**
     * What to do about it: "use --cpu baseline or -popcnt" when {@code baseline} hides the feature,
     * "use --cpu -bmi1" (an edit of the model in use) when it does not, or {@code null} when no feature
     * edit helps.
     */
    public String hint() {
        if (feature == null) {
            return null;
        }
        boolean hiddenByBaseline = CpuFeature.byName(feature)
                .map(KnownInstruction::hiddenByBaseline)
                .orElse(false);
        return hiddenByBaseline ? "use --cpu baseline or -" + feature : "use --cpu -" + feature + " (a CPU model edit)";
    }

    /** Whether {@code baseline} hides the feature: it is one baseline hides, or needs one (at any depth). */
    private static boolean hiddenByBaseline(CpuFeature feature) {
        if (CpuModel.BASELINE_HIDES.contains(feature)) {
            return true;
        }
        for (CpuFeature needed : feature.requires()) {
            if (hiddenByBaseline(needed)) {
                return true;
            }
        }
        return false;
    }

    /** "POPCNT: use --cpu baseline or -popcnt". */
    @Override
    public String toString() {
        String hint = hint();
        return hint == null ? name : name + ": " + hint;
    }

    /**
     * Names the instruction that starts at {@code code[0]}, if it is one of the known ones.
     *
     * @param code     the bytes at the guest's RIP
     * @param length   how many of them are valid (fewer than 15 when the rest could not be read)
     * @param longMode whether the code runs in 64-bit mode (bytes 0x40-0x4F are REX prefixes there and
     *                 INC/DEC elsewhere)
     * @return the instruction, or empty when it is not in the table or the bytes end too early
     */
    public static Optional<KnownInstruction> identify(byte[] code, int length, boolean longMode) {
        Objects.requireNonNull(code, "code");
        int n = Math.min(Math.min(length, code.length), MAX_LENGTH);
        return Optional.ofNullable(new Decoder(code, n, longMode).decode());
    }

    /** One pass over the bytes of one instruction. */
    private static final class Decoder {
        private final byte[] code;
        private final int n;
        private final boolean longMode;
        private int at;
        /** The last of 66, F2, F3: the mandatory prefix of an SSE-era opcode. */
        private int mandatory;

        private boolean addressSize;
        /** REX.W: 64-bit operand size. */
        private boolean rexW;

        Decoder(byte[] code, int n, boolean longMode) {
            this.code = code;
            this.n = n;
            this.longMode = longMode;
        }

        private int peek() {
            return at < n ? code[at] & 0xff : -1;
        }

        KnownInstruction decode() {
            skipPrefixes();
            int op = peek();
            if (op == 0xcc) {
                return new KnownInstruction("INT3", null, at + 1);
            }
            if (op == 0xcf && !longMode) {
                // KVM's emulator does IRET in real mode only
                return new KnownInstruction("IRET", null, at + 1);
            }
            if (op == 0x9b) {
                // KVM's emulator has no FWAIT; Linux runs one in fpu__drop() when a task execs
                return new KnownInstruction("FWAIT", null, at + 1);
            }
            if (op == 0xc4 || op == 0xc5) {
                // VEX: always in 64-bit mode; elsewhere only when the next byte's top bits are 11 (not LES/LDS).
                int next = at + 1 < n ? code[at + 1] & 0xff : -1;
                if (next >= 0 && (longMode || (next & 0xc0) == 0xc0)) {
                    return vex(op);
                }
                return null;
            }
            if (op != 0x0f) {
                return null;
            }
            at++;
            int op2 = peek();
            if (op2 < 0) {
                return null;
            }
            at++;
            return switch (op2) {
                case 0xb8 -> mandatory == 0xf3 ? withModrm("POPCNT", "popcnt") : null;
                case 0xbc -> mandatory == 0xf3 ? withModrm("TZCNT", "bmi1") : null;
                case 0xbd -> mandatory == 0xf3 ? withModrm("LZCNT", "abm") : null;
                case 0xae -> group15();
                case 0xc7 -> group9();
                case 0x01 -> group7();
                case 0x38 -> threeByte38();
                default -> null;
            };
        }

        private void skipPrefixes() {
            while (at < n) {
                int b = code[at] & 0xff;
                switch (b) {
                    case 0x66, 0xf2, 0xf3 -> mandatory = b;
                    case 0x67 -> addressSize = true;
                    case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0 -> {
                        // segment overrides and LOCK: no effect on which instruction this is
                    }
                    default -> {
                        if (longMode && (b & 0xf0) == 0x40) {
                            rexW = (b & 0x08) != 0;
                            at++; // REX: must come last; a legacy prefix after it would void it
                            return;
                        }
                        return;
                    }
                }
                at++;
            }
        }

        private KnownInstruction group15() {
            int modrm = peek();
            if (modrm < 0) {
                return null;
            }
            int reg = (modrm >> 3) & 7;
            if ((modrm & 0xc0) == 0xc0) {
                if (mandatory == 0xf3 && reg <= 3) {
                    String[] names = {"RDFSBASE", "RDGSBASE", "WRFSBASE", "WRGSBASE"};
                    return withModrm(names[reg], "fsgsbase");
                }
                return null;
            }
            if (mandatory == 0x66) {
                return switch (reg) {
                    case 6 -> withModrm("CLWB", "clwb");
                    case 7 -> withModrm("CLFLUSHOPT", "clflushopt");
                    default -> null;
                };
            }
            if (mandatory != 0) {
                return null;
            }
            return switch (reg) {
                case 4 -> withModrm("XSAVE", "xsave");
                case 5 -> withModrm("XRSTOR", "xsave");
                case 6 -> withModrm("XSAVEOPT", "xsaveopt");
                default -> null;
            };
        }

        private KnownInstruction group9() {
            int modrm = peek();
            if (modrm < 0) {
                return null;
            }
            int reg = (modrm >> 3) & 7;
            if ((modrm & 0xc0) == 0xc0) {
                return switch (reg) {
                    case 6 -> mandatory == 0 || mandatory == 0x66 ? withModrm("RDRAND", "rdrand") : null;
                    case 7 ->
                        mandatory == 0xf3
                                ? withModrm("RDPID", "rdpid")
                                : mandatory == 0 || mandatory == 0x66 ? withModrm("RDSEED", "rdseed") : null;
                    default -> null;
                };
            }
            if (mandatory != 0) {
                return null;
            }
            return switch (reg) {
                // KVM's emulator does CMPXCHG8B but not its 16-byte form
                case 1 -> rexW ? withModrm("CMPXCHG16B", "cx16") : null;
                case 3 -> withModrm("XRSTORS", "xsaves");
                case 4 -> withModrm("XSAVEC", "xsavec");
                case 5 -> withModrm("XSAVES", "xsaves");
                default -> null;
            };
        }

        private KnownInstruction group7() {
            int modrm = peek();
            if (modrm < 0 || mandatory != 0) {
                return null;
            }
            String[] named = switch (modrm) {
                case 0xca -> new String[] {"CLAC", "smap"};
                case 0xcb -> new String[] {"STAC", "smap"};
                case 0xd0 -> new String[] {"XGETBV", "xsave"};
                case 0xd1 -> new String[] {"XSETBV", "xsave"};
                case 0xee -> new String[] {"RDPKRU", "pku"};
                case 0xef -> new String[] {"WRPKRU", "pku"};
                case 0xf9 -> new String[] {"RDTSCP", "rdtscp"};
                default -> null;
            };
            return named == null ? null : new KnownInstruction(named[0], named[1], at + 1);
        }

        private KnownInstruction threeByte38() {
            int op3 = peek();
            if (op3 != 0xf6) {
                return null;
            }
            at++;
            return switch (mandatory) {
                case 0x66 -> withModrm("ADCX", "adx");
                case 0xf3 -> withModrm("ADOX", "adx");
                default -> null;
            };
        }

        private KnownInstruction vex(int op) {
            // C5: one payload byte; C4: two. Then the opcode and a ModRM byte.
            int payload = op == 0xc5 ? 1 : 2;
            at += 1 + payload + 1; // VEX byte, payload, opcode
            return withModrm("an AVX instruction (VEX-encoded)", "avx");
        }

        /** Completes the instruction whose ModRM byte is at {@code at}, or null if its bytes end early. */
        private KnownInstruction withModrm(String name, String feature) {
            int length = modrmEnd();
            return length < 0 || length > n ? null : new KnownInstruction(name, feature, length);
        }

        /** Where the ModRM, SIB and displacement end; -1 if the ModRM byte is missing. */
        private int modrmEnd() {
            int modrm = peek();
            if (modrm < 0) {
                return -1;
            }
            int end = at + 1;
            int mod = modrm >> 6;
            int rm = modrm & 7;
            if (mod == 3) {
                return end;
            }
            boolean sixteenBit = !longMode && addressSize;
            if (sixteenBit) {
                if (mod == 0 && rm == 6) {
                    return end + 2;
                }
                return end + (mod == 1 ? 1 : mod == 2 ? 2 : 0);
            }
            if (rm == 4) {
                if (end >= n) {
                    return -1;
                }
                int base = code[end] & 7;
                end++;
                if (mod == 0 && base == 5) {
                    return end + 4;
                }
            } else if (mod == 0 && rm == 5) {
                return end + 4; // RIP-relative (64-bit) or disp32 (32-bit)
            }
            return end + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
        }
    }
}
