package org.vmm4j.openbsd;

/**
 * Decodes the x86 instructions a guest uses for MMIO, because vmm(4) reports an EPT violation /
 * nested page fault without the access itself (vmd decodes too, in {@code x86_vm.c}). Covered: MOV
 * between registers and memory ({@code 88 89 8A 8B}), MOV immediate to memory ({@code C6 C7}), MOVZX
 * ({@code 0F B6}, {@code 0F B7}) and MOV with a memory offset ({@code A0-A3}), with operand-size,
 * address-size, segment and REX prefixes, in 16-, 32- and 64-bit code. Anything else is left
 * undecoded and the exit stays {@link org.vmm4j.ExitKind#UNKNOWN}.
 *
 * <p>One instance per vCPU, reused: {@link #decode} fills its fields and allocates nothing.
 */
final class MmioDecoder {
    /** GPR numbers in x86 encoding order (RAX=0 ... R15=15), independent of vmm's array order. */
    static final int RAX = 0;

    // results
    boolean write;
    int size;
    /** Register read into (for reads) or written from (for writes by register), x86 number; -1 for immediate. */
    int register;
    /** The register is AH/CH/DH/BH (legacy high byte). */
    boolean highByte;
    /** A read into a 32-bit register in 64-bit mode clears the register's upper half. */
    boolean zeroExtend;
    /** Size of the destination register write for reads (MOVZX writes the full operand size). */
    int destinationSize;

    long immediate;
    long effectiveAddress;
    int segment;
    int length;

    static final int ES = 0;
    static final int CS = 1;
    static final int SS = 2;
    static final int DS = 3;
    static final int FS = 4;
    static final int GS = 5;

    /**
     * Decodes {@code bytes[0..available)} executed with {@code codeBits} default size (16, 32, 64),
     * reading register values through {@code gprs} (x86 order, 16 entries) and {@code rip} (the
     * address of this instruction, for RIP-relative operands).
     *
     * @return whether the instruction is one this decoder understands
     */
    boolean decode(byte[] bytes, int available, int codeBits, long[] gprs, long rip) {
        int i = 0;
        boolean opsize = false;
        boolean addrsize = false;
        int rex = 0;
        segment = -1;
        // prefixes
        while (i < available) {
            int b = bytes[i] & 0xff;
            if (b == 0x66) {
                opsize = true;
            } else if (b == 0x67) {
                addrsize = true;
            } else if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65) {
                segment = switch (b) {
                    case 0x26 -> ES;
                    case 0x2E -> CS;
                    case 0x36 -> SS;
                    case 0x3E -> DS;
                    case 0x64 -> FS;
                    default -> GS;
                };
            } else if (b == 0xF0 || b == 0xF2 || b == 0xF3) {
                // LOCK/REP: no effect on a plain MOV
            } else {
                break;
            }
            i++;
        }
        if (codeBits == 64 && i < available && (bytes[i] & 0xf0) == 0x40) {
            rex = bytes[i++] & 0xff;
        }
        if (i >= available) {
            return false;
        }
        boolean rexW = (rex & 8) != 0;
        int operand = rexW ? 8 : codeBits == 16 ? (opsize ? 4 : 2) : (opsize ? 2 : 4);
        int addressBits =
                codeBits == 64 ? (addrsize ? 32 : 64) : codeBits == 32 ? (addrsize ? 16 : 32) : (addrsize ? 32 : 16);
        int op = bytes[i++] & 0xff;
        boolean twoByte = false;
        if (op == 0x0F) {
            if (i >= available) {
                return false;
            }
            op = bytes[i++] & 0xff;
            twoByte = true;
        }
        immediate = 0;
        zeroExtend = false;
        highByte = false;
        register = -1;
        if (!twoByte && op >= 0xA0 && op <= 0xA3) {
            int width = addressBits / 8;
            if (i + width > available) {
                return false;
            }
            effectiveAddress = readLittle(bytes, i, width);
            i += width;
            size = (op & 1) == 0 ? 1 : operand;
            write = op >= 0xA2;
            register = RAX;
            finishRead(codeBits, size);
            length = i;
            if (segment < 0) {
                segment = DS;
            }
            return true;
        }
        boolean known = (!twoByte && (op == 0x88 || op == 0x89 || op == 0x8A || op == 0x8B || op == 0xC6 || op == 0xC7))
                || (twoByte && (op == 0xB6 || op == 0xB7));
        if (!known || i >= available) {
            return false;
        }
        int modrm = bytes[i++] & 0xff;
        int mod = modrm >> 6;
        int reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
        int rm = modrm & 7;
        if (mod == 3) {
            return false; // register operand: not a memory access
        }
        // effective address
        long ea;
        int defaultSegment = DS;
        if (addressBits == 16) {
            long bx = gprs[3];
            long bp = gprs[5];
            long si = gprs[6];
            long di = gprs[7];
            ea = switch (rm) {
                case 0 -> bx + si;
                case 1 -> bx + di;
                case 2 -> bp + si;
                case 3 -> bp + di;
                case 4 -> si;
                case 5 -> di;
                case 6 -> mod == 0 ? 0 : bp;
                default -> bx;
            };
            if (rm == 2 || rm == 3 || (rm == 6 && mod != 0)) {
                defaultSegment = SS;
            }
            int disp = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
            if (i + disp > available) {
                return false;
            }
            ea += disp == 1 ? bytes[i] : disp == 2 ? (short) readLittle(bytes, i, 2) : 0;
            i += disp;
            ea &= 0xffff;
        } else {
            boolean ripRelative = false;
            if (rm == 4) {
                if (i >= available) {
                    return false;
                }
                int sib = bytes[i++] & 0xff;
                int scale = 1 << (sib >> 6);
                int index = ((sib >> 3) & 7) | ((rex & 2) << 2);
                int base = (sib & 7) | ((rex & 1) << 3);
                ea = index == 4 ? 0 : gprs[index] * scale;
                if ((sib & 7) == 5 && mod == 0) {
                    if (i + 4 > available) {
                        return false;
                    }
                    ea += (int) readLittle(bytes, i, 4);
                    i += 4;
                } else {
                    ea += gprs[base];
                    if ((base & 7) == 4 || (base & 7) == 5) {
                        defaultSegment = SS;
                    }
                }
            } else if (rm == 5 && mod == 0) {
                if (i + 4 > available) {
                    return false;
                }
                long disp = (int) readLittle(bytes, i, 4);
                i += 4;
                ripRelative = codeBits == 64;
                ea = disp;
            } else {
                int base = rm | ((rex & 1) << 3);
                ea = gprs[base];
                if (rm == 5) {
                    defaultSegment = SS;
                }
            }
            if (mod == 1) {
                if (i >= available) {
                    return false;
                }
                ea += bytes[i++];
            } else if (mod == 2) {
                if (i + 4 > available) {
                    return false;
                }
                ea += (int) readLittle(bytes, i, 4);
                i += 4;
            }
            if (ripRelative) {
                // relative to the next instruction: finish decoding the immediate first
                int immediateBytes = op == 0xC6 ? 1 : op == 0xC7 ? Math.min(operand, 4) : 0;
                ea += rip + i + immediateBytes;
            }
            if (addressBits == 32) {
                ea &= 0xffff_ffffL;
            }
        }
        effectiveAddress = ea;
        if (segment < 0) {
            segment = defaultSegment;
        }
        switch (op) {
            case 0x88, 0x8A -> size = 1;
            case 0x89, 0x8B -> size = operand;
            case 0xC6 -> size = 1;
            case 0xC7 -> size = operand;
            case 0xB6 -> size = 1;
            default -> size = 2; // 0xB7
        }
        if (op == 0xC6 || op == 0xC7) {
            if (((modrm >> 3) & 7) != 0) {
                return false; // only /0 is MOV
            }
            int width = Math.min(size, 4);
            if (i + width > available) {
                return false;
            }
            long imm = readLittle(bytes, i, width);
            immediate = size == 8 ? (long) (int) imm : imm; // a 64-bit MOV sign-extends its imm32
            i += width;
            write = true;
        } else {
            write = op == 0x88 || op == 0x89;
            register = reg;
            boolean byteReg = size == 1 && !twoByte;
            if (byteReg && rex == 0 && reg >= 4 && reg <= 7) {
                register = reg - 4;
                highByte = true;
            }
            finishRead(codeBits, twoByte ? operand : size);
        }
        length = i;
        return true;
    }

    private void finishRead(int codeBits, int destination) {
        // MOVZX writes the whole operand size from a narrower source: the merge masks by the source size
        destinationSize = destination;
        zeroExtend = codeBits == 64 && destination == 4;
    }

    /** The value a write stores: the immediate, or the source register's low {@link #size} bytes. */
    long writeValue(long[] gprs) {
        if (register < 0) {
            return immediate & mask(size);
        }
        long v = gprs[register];
        if (highByte) {
            v >>>= 8;
        }
        return v & mask(size);
    }

    /** The destination register's new value after a read returned {@code data}. */
    long mergeRead(long old, long data) {
        long value = data & mask(size);
        if (highByte) {
            return (old & ~0xff00L) | (value << 8);
        }
        long result = (old & ~mask(destinationSize)) | value;
        return zeroExtend ? result & 0xffff_ffffL : result;
    }

    static long mask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    private static long readLittle(byte[] b, int at, int width) {
        long v = 0;
        for (int k = width - 1; k >= 0; k--) {
            v = (v << 8) | (b[at + k] & 0xff);
        }
        return v;
    }
}
