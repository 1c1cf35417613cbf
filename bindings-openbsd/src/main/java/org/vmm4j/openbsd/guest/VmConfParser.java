package org.vmm4j.openbsd.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads vm.conf(5) text into a {@link VmConf}. Statements end at a newline or {@code ;}; strings may be
 * quoted; {@code #} starts a comment. Whole-line comments at the top level are kept as items; unknown
 * statements inside blocks are kept verbatim (re-rendered from their tokens); top-level statements
 * other than {@code vm} and {@code switch} blocks are globals.
 */
public final class VmConfParser {

    /** A malformed vm.conf, with the line. */
    public static final class VmConfException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        VmConfException(int line, String message) {
            super("vm.conf line " + line + ": " + message);
        }
    }

    private record Token(String text, boolean quoted, int line) {
        boolean is(String s) {
            return !quoted && text.equals(s);
        }

        boolean isComment() {
            return !quoted && text.startsWith("#");
        }

        /**
         * The token as it is written back: quoted strings quoted again, and a bare token ending in a
         * backslash quoted too, which written bare before a line break would join two lines.
         */
        String render() {
            return quoted || text.endsWith("\\") ? VmConf.quote(text) : text;
        }
    }

    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    private VmConfParser(String text) {
        tokenize(text);
    }

    /**
     * Parses the text of a vm.conf file.
     *
     * @throws VmConfException when the text is malformed or a block holds a value vmd would refuse (a
     *     name, path, size, count or option out of range), naming the line and what is wrong
     */
    public static VmConf parse(String text) {
        return new VmConfParser(text).file();
    }

    private void tokenize(String s) {
        int line = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                tokens.add(new Token("\n", false, line++));
                i++;
            } else if (c == ';') {
                tokens.add(new Token("\n", false, line));
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                i += 2;
                line++;
            } else if (c == '#') {
                int start = i;
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
                tokens.add(new Token(s.substring(start, i).stripTrailing(), false, line));
            } else if (c == '{' || c == '}') {
                tokens.add(new Token(String.valueOf(c), false, line));
                i++;
            } else if (c == '"') {
                int end = s.indexOf('"', i + 1);
                if (end < 0 || s.substring(i + 1, end).indexOf('\n') >= 0) {
                    throw new VmConfException(line, "unterminated string");
                }
                tokens.add(new Token(s.substring(i + 1, end), true, line));
                i = end + 1;
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "{};#\"".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                tokens.add(new Token(s.substring(start, i), false, line));
            }
        }
    }

    private boolean atEnd() {
        return pos >= tokens.size();
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token next(String what) {
        if (atEnd()) {
            int line = tokens.isEmpty() ? 1 : tokens.get(tokens.size() - 1).line();
            throw new VmConfException(line, "unexpected end of file, expected " + what);
        }
        return tokens.get(pos++);
    }

    private void skipNewlines() {
        while (!atEnd() && peek().is("\n")) {
            pos++;
        }
    }

    /** Inside a block: skips newlines and comments. */
    private void skipNewlinesAndComments() {
        while (!atEnd() && (peek().is("\n") || peek().isComment())) {
            pos++;
        }
    }

    /** The tokens of one statement, up to its end (a newline at depth 0, or the block's closing brace). */
    private List<Token> statement() {
        List<Token> out = new ArrayList<>();
        int depth = 0;
        while (!atEnd()) {
            Token t = peek();
            if (t.is("\n") && depth == 0) {
                pos++;
                break;
            }
            if (t.is("}") && depth == 0) {
                break;
            }
            if (t.is("{")) {
                depth++;
            } else if (t.is("}")) {
                depth--;
            }
            if (!t.is("\n") && !t.isComment()) {
                out.add(t);
            }
            pos++;
        }
        return out;
    }

    private static String render(List<Token> statement) {
        StringBuilder b = new StringBuilder();
        for (Token t : statement) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(t.render());
        }
        return b.toString();
    }

    private VmConf file() {
        List<VmConf.Item> items = new ArrayList<>();
        while (true) {
            skipNewlines();
            if (atEnd()) {
                break;
            }
            Token t = peek();
            if (t.isComment()) {
                pos++;
                items.add(new VmConf.Global(t.text()));
            } else if (t.is("vm")) {
                pos++;
                items.add(vm(next("VM name")));
            } else if (t.is("switch")) {
                pos++;
                items.add(switchBlock(next("switch name")));
            } else if (t.is("}")) {
                throw new VmConfException(t.line(), "unbalanced '}'");
            } else {
                List<Token> st = statement();
                if (!st.isEmpty()) {
                    items.add(new VmConf.Global(render(st)));
                }
            }
        }
        return new VmConf(items);
    }

    private void open(Token name) {
        Token brace = next("'{'");
        if (!brace.is("{")) {
            throw new VmConfException(brace.line(), "expected '{' after " + name.text());
        }
    }

    private VmConf.Vm vm(Token name) {
        open(name);
        boolean disabled = false;
        long memory = 0;
        List<VmConf.Disk> disks = new ArrayList<>();
        String cdrom = null;
        String boot = null;
        String bootDevice = null;
        List<VmConf.Interface> nics = new ArrayList<>();
        int count = 0;
        String owner = null;
        List<String> extra = new ArrayList<>();
        while (true) {
            skipNewlinesAndComments();
            Token t = next("'}'");
            if (t.is("}")) {
                break;
            }
            pos--;
            List<Token> st = statement();
            if (st.isEmpty()) {
                continue;
            }
            String k = st.get(0).quoted() ? "" : st.get(0).text();
            try {
                switch (k) {
                    case "disable" -> disabled = true;
                    case "enable" -> disabled = false;
                    case "memory" -> memory = parseSize(st.get(1).text());
                    case "cdrom" -> cdrom = st.get(1).text();
                    case "owner" -> owner = st.get(1).text();
                    case "interfaces" -> count = interfaceCount(st.get(1).text());
                    case "disk" ->
                        disks.add(new VmConf.Disk(
                                st.get(1).text(),
                                st.size() >= 4 && st.get(2).is("format")
                                        ? st.get(3).text()
                                        : null));
                    case "boot" -> {
                        if (st.size() >= 3 && st.get(1).is("device")) {
                            bootDevice = st.get(2).text();
                        } else {
                            boot = st.get(1).text();
                        }
                    }
                    case "interface" -> nics.add(iface(false, st.subList(1, st.size())));
                    case "local" -> {
                        if (st.size() >= 2 && st.get(1).is("interface")) {
                            nics.add(iface(true, st.subList(2, st.size())));
                        } else {
                            extra.add(render(st));
                        }
                    }
                    default -> extra.add(render(st));
                }
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                throw new VmConfException(st.get(0).line(), "bad statement '" + render(st) + "': " + e.getMessage());
            }
        }
        try {
            return new VmConf.Vm(
                    name.text(), disabled, memory, disks, cdrom, boot, bootDevice, nics, count, owner, extra);
        } catch (IllegalArgumentException e) {
            throw new VmConfException(name.line(), "bad vm block: " + e.getMessage());
        }
    }

    private VmConf.Interface iface(boolean local, List<Token> rest) {
        String name = null;
        int i = 0;
        if (i < rest.size() && !rest.get(i).is("{")) {
            name = rest.get(i++).text();
        }
        String sw = null;
        String lladdr = null;
        boolean locked = false;
        String group = null;
        Integer rdomain = null;
        Boolean up = null;
        if (i < rest.size() && rest.get(i).is("{")) {
            i++;
            while (i < rest.size() && !rest.get(i).is("}")) {
                Token t = rest.get(i++);
                switch (t.text()) {
                    case "switch" -> sw = rest.get(i++).text();
                    case "group" -> group = rest.get(i++).text();
                    case "rdomain" -> rdomain = Integer.parseInt(rest.get(i++).text());
                    case "up" -> up = true;
                    case "down" -> up = false;
                    case "locked" -> locked = true;
                    case "lladdr" -> {
                        if (i < rest.size() && rest.get(i).is("locked")) {
                            locked = true;
                            i++;
                        }
                        if (i < rest.size() && rest.get(i).text().contains(":")) {
                            lladdr = rest.get(i++).text();
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown interface option " + t.text());
                }
            }
        }
        return new VmConf.Interface(local, name, sw, lladdr, locked, group, rdomain, up);
    }

    private VmConf.Switch switchBlock(Token name) {
        open(name);
        String ifname = null;
        boolean disabled = false;
        String group = null;
        boolean locked = false;
        Integer rdomain = null;
        Boolean up = null;
        List<String> extra = new ArrayList<>();
        while (true) {
            skipNewlinesAndComments();
            Token t = next("'}'");
            if (t.is("}")) {
                break;
            }
            pos--;
            List<Token> st = statement();
            if (st.isEmpty()) {
                continue;
            }
            try {
                switch (st.get(0).text()) {
                    case "interface" -> ifname = st.get(1).text();
                    case "disable" -> disabled = true;
                    case "enable" -> disabled = false;
                    case "group" -> group = st.get(1).text();
                    case "locked" -> locked = true;
                    case "rdomain" -> rdomain = Integer.parseInt(st.get(1).text());
                    case "up" -> up = true;
                    case "down" -> up = false;
                    default -> extra.add(render(st));
                }
            } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
                throw new VmConfException(st.get(0).line(), "bad statement '" + render(st) + "': " + e.getMessage());
            }
        }
        try {
            return new VmConf.Switch(name.text(), ifname, disabled, group, locked, rdomain, up, extra);
        } catch (IllegalArgumentException e) {
            throw new VmConfException(name.line(), "bad switch block: " + e.getMessage());
        }
    }

    /** {@code interfaces N}: 1 to {@link VmdProtocol#VM_MAX_NICS_PER_VM}, as vmd's parser allows. */
    private static int interfaceCount(String text) {
        if (!text.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("interfaces takes a number, not " + text);
        }
        int count = Integer.parseInt(text);
        if (count < 1 || count > VmdProtocol.VM_MAX_NICS_PER_VM) {
            throw new IllegalArgumentException(
                    "interfaces " + count + " is out of range 1 to " + VmdProtocol.VM_MAX_NICS_PER_VM);
        }
        return count;
    }

    /**
     * A size as scan_scaled reads it: decimal digits with an optional B/K/M/G/T suffix.
     *
     * @throws IllegalArgumentException when the text is not such a size or the size does not fit in a
     *     {@code long}
     */
    static long parseSize(String text) {
        String s = text.toUpperCase(Locale.ROOT);
        int shift = 0;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        boolean unit = last >= 'A' && last <= 'Z';
        if (unit) {
            shift = switch (last) {
                case 'B' -> 0;
                case 'K' -> 10;
                case 'M' -> 20;
                case 'G' -> 30;
                case 'T' -> 40;
                default -> throw new IllegalArgumentException("unknown size unit in " + text);
            };
            s = s.substring(0, s.length() - 1);
        }
        if (!s.matches("[0-9]{1,18}")) {
            throw new IllegalArgumentException(
                    "a size is decimal digits with an optional B, K, M, G or T, not " + text);
        }
        long value = Long.parseLong(s);
        if (!unit && value < 1L << 20) {
            // vmd's parse_size takes a small unit-less number as megabytes ("memory 512" is 512M)
            return value << 20;
        }
        if (value > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("size " + text + " is too large");
        }
        return value << shift;
    }
}
