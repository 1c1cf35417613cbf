package org.vmm4j.image;

import static org.vmm4j.image.IsoRecords.SECTOR;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes an ISO 9660 image whose files all sit in the root directory (what a cloud-init seed needs),
 * with three views of the same files: ISO 9660 level 1 names (8.3, upper case) for the oldest readers,
 * a Joliet tree (UCS-2 names up to 64 characters) for Windows and cloudbase-init, and Rock Ridge
 * entries (real POSIX names, modes, times) for Linux and the BSDs.
 *
 * <p>Layout: system area (sectors 0-15), primary, Joliet and terminator volume descriptors (16-18),
 * four path tables (19-22), the two root directories, then the file data, each file starting on a
 * sector boundary.
 */
public final class Iso9660Writer {
    private static final Pattern VOLUME_ID = Pattern.compile("[A-Za-z0-9_]{1,16}");
    private static final int FIRST_PATH_TABLE = 19;
    private static final int FIRST_DIRECTORY = 23;
    private static final int FILE_MODE = 0100444;
    private static final int DIRECTORY_MODE = 040555;

    private final String volumeId;
    private final ZonedDateTime time;
    private final List<IsoFile> files;

    /**
     * @param volumeId up to 16 letters, digits or {@code _} (16 so it fits the Joliet descriptor too);
     *                 kept in the case given, since cloud-init looks for {@code cidata} in lower case
     * @param time     recorded as creation and modification time of every file (fix it for reproducible images)
     */
    public Iso9660Writer(String volumeId, ZonedDateTime time, List<IsoFile> files) {
        if (volumeId == null || !VOLUME_ID.matcher(volumeId).matches()) {
            throw new IllegalArgumentException(
                    "ISO volume id must be 1..16 letters, digits or _, got '" + volumeId + "'");
        }
        this.volumeId = volumeId;
        this.time = time.withZoneSameInstant(ZoneOffset.UTC).withNano(0);
        Set<String> names = new HashSet<>();
        for (IsoFile f : files) {
            if (!names.add(f.name())) {
                throw new IllegalArgumentException("duplicate ISO file name '" + f.name() + "'");
            }
        }
        this.files = files.stream().sorted(Comparator.comparing(IsoFile::name)).toList();
    }

    /** Writes the image, refusing to replace an existing file unless {@code mode} says so. */
    public Path write(Path path, CreateMode mode) {
        byte[] image = toBytes();
        return NewImageFile.create(
                path, mode, "ISO image", ch -> NewImageFile.writeFully(ch, ByteBuffer.wrap(image), 0));
    }

    /** The complete image. Seed images are a few KiB, so it is built in memory. */
    public byte[] toBytes() {
        List<String> shortNames = shortNames(files);
        // Record lengths do not depend on extents, so directory sizes can be fixed before placing files.
        List<Entry> primary = new ArrayList<>();
        List<Entry> joliet = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            IsoFile f = files.get(i);
            primary.add(new Entry(
                    f,
                    shortNames.get(i).getBytes(StandardCharsets.US_ASCII),
                    IsoRecords.concat(
                            IsoRecords.rr(0x89),
                            IsoRecords.px(FILE_MODE, 1),
                            IsoRecords.tf(time),
                            IsoRecords.nm(f.name()))));
            joliet.add(new Entry(f, f.name().getBytes(StandardCharsets.UTF_16BE), new byte[0]));
        }
        // ECMA-119 9.3: records are ordered by identifier (Joliet: by UCS-2 code units).
        primary.sort(Comparator.comparing(e -> new String(e.identifier, StandardCharsets.US_ASCII)));
        joliet.sort(Comparator.comparing(e -> new String(e.identifier, StandardCharsets.UTF_16BE)));

        // SP must come first; no TF here, or SP+RR+PX+TF+ER would exceed the 255-byte record limit.
        byte[] rootDotSystemUse = IsoRecords.concat(
                IsoRecords.sp(), IsoRecords.rr(0x01), IsoRecords.px(DIRECTORY_MODE, 2), IsoRecords.er());
        byte[] rootDotDotSystemUse =
                IsoRecords.concat(IsoRecords.rr(0x81), IsoRecords.px(DIRECTORY_MODE, 2), IsoRecords.tf(time));
        int primarySectors = directorySectors(primary, rootDotSystemUse.length, rootDotDotSystemUse.length);
        int jolietSectors = directorySectors(joliet, 0, 0);
        long primaryRoot = FIRST_DIRECTORY;
        long jolietRoot = primaryRoot + primarySectors;
        long next = jolietRoot + jolietSectors;
        long[] extents = new long[files.size()];
        for (int i = 0; i < files.size(); i++) {
            extents[i] = next;
            next += Math.max(1, (files.get(i).length() + SECTOR - 1) / SECTOR);
        }
        long totalSectors = next;
        if (totalSectors * SECTOR > Integer.MAX_VALUE - SECTOR) {
            throw new IllegalArgumentException(
                    "ISO image of " + totalSectors + " sectors is too large to build in memory");
        }

        ByteBuffer image = ByteBuffer.allocate((int) (totalSectors * SECTOR));
        image.put(16 * SECTOR, volumeDescriptor(false, totalSectors, primaryRoot, primarySectors));
        image.put(17 * SECTOR, volumeDescriptor(true, totalSectors, jolietRoot, jolietSectors));
        image.put(18 * SECTOR, terminator());
        image.put(FIRST_PATH_TABLE * SECTOR, pathTable(primaryRoot, ByteOrder.LITTLE_ENDIAN));
        image.put((FIRST_PATH_TABLE + 1) * SECTOR, pathTable(primaryRoot, ByteOrder.BIG_ENDIAN));
        image.put((FIRST_PATH_TABLE + 2) * SECTOR, pathTable(jolietRoot, ByteOrder.LITTLE_ENDIAN));
        image.put((FIRST_PATH_TABLE + 3) * SECTOR, pathTable(jolietRoot, ByteOrder.BIG_ENDIAN));
        writeDirectory(image, primaryRoot, primarySectors, primary, extents, rootDotSystemUse, rootDotDotSystemUse);
        writeDirectory(image, jolietRoot, jolietSectors, joliet, extents, new byte[0], new byte[0]);
        for (int i = 0; i < files.size(); i++) {
            image.put((int) (extents[i] * SECTOR), files.get(i).contentView());
        }
        return image.array();
    }

    @SuppressWarnings("ArrayRecordComponent") // encoded names, written once, never compared
    private record Entry(IsoFile file, byte[] identifier, byte[] systemUse) {
        int length() {
            return IsoRecords.recordLength(identifier.length, systemUse.length);
        }
    }

    /** Sectors a directory needs: ECMA-119 6.8.1.1 forbids a record to cross a sector boundary. */
    private static int directorySectors(List<Entry> entries, int dotSystemUse, int dotDotSystemUse) {
        int sectors = 1;
        int used = IsoRecords.recordLength(1, dotSystemUse) + IsoRecords.recordLength(1, dotDotSystemUse);
        for (Entry e : entries) {
            if (used + e.length() > SECTOR) {
                sectors++;
                used = 0;
            }
            used += e.length();
        }
        return sectors;
    }

    private void writeDirectory(
            ByteBuffer image,
            long extent,
            int sectors,
            List<Entry> entries,
            long[] extents,
            byte[] dotSystemUse,
            byte[] dotDotSystemUse) {
        long size = (long) sectors * SECTOR;
        int base = (int) (extent * SECTOR);
        int pos = base;
        // The root is its own parent, so "." and ".." point at the same extent.
        byte[] dot =
                IsoRecords.directoryRecord(extent, size, IsoRecords.FLAG_DIRECTORY, new byte[] {0}, dotSystemUse, time);
        byte[] dotDot = IsoRecords.directoryRecord(
                extent, size, IsoRecords.FLAG_DIRECTORY, new byte[] {1}, dotDotSystemUse, time);
        image.put(pos, dot);
        pos += dot.length;
        image.put(pos, dotDot);
        pos += dotDot.length;
        for (Entry e : entries) {
            int index = files.indexOf(e.file());
            byte[] record = IsoRecords.directoryRecord(
                    extents[index], e.file().length(), 0, e.identifier(), e.systemUse(), time);
            int sectorEnd = base + ((pos - base) / SECTOR + 1) * SECTOR;
            if (pos + record.length > sectorEnd) {
                pos = sectorEnd;
            }
            image.put(pos, record);
            pos += record.length;
        }
    }

    /** ECMA-119 8.4 (primary) or 8.5 with the Joliet escape sequence for UCS-2 level 3 (supplementary). */
    private byte[] volumeDescriptor(boolean joliet, long totalSectors, long rootExtent, int rootSectors) {
        ByteBuffer b = ByteBuffer.allocate(SECTOR);
        b.put(0, (byte) (joliet ? 2 : 1));
        b.put(1, "CD001".getBytes(StandardCharsets.US_ASCII));
        b.put(6, (byte) 1);
        text(b, 8, 32, "", joliet);
        text(b, 40, 32, volumeId, joliet);
        IsoRecords.both32(b, 80, totalSectors);
        if (joliet) {
            b.put(88, new byte[] {'%', '/', 'E'});
        }
        IsoRecords.both16(b, 120, 1);
        IsoRecords.both16(b, 124, 1);
        IsoRecords.both16(b, 128, SECTOR);
        IsoRecords.both32(b, 132, 10);
        int pathTable = FIRST_PATH_TABLE + (joliet ? 2 : 0);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(140, pathTable);
        b.order(ByteOrder.BIG_ENDIAN).putInt(148, pathTable + 1);
        b.put(
                156,
                IsoRecords.directoryRecord(
                        rootExtent,
                        (long) rootSectors * SECTOR,
                        IsoRecords.FLAG_DIRECTORY,
                        new byte[] {0},
                        new byte[0],
                        time));
        text(b, 190, 128, "", joliet);
        text(b, 318, 128, "", joliet);
        text(b, 446, 128, "", joliet);
        text(b, 574, 128, "VMM4J", joliet);
        text(b, 702, 37, "", joliet);
        text(b, 739, 37, "", joliet);
        text(b, 776, 37, "", joliet);
        b.put(813, IsoRecords.descriptorDate(time));
        b.put(830, IsoRecords.descriptorDate(time));
        b.put(847, IsoRecords.descriptorDate(null));
        b.put(864, IsoRecords.descriptorDate(time));
        b.put(881, (byte) 1);
        return b.array();
    }

    /** A space-padded identifier field: ASCII, or UCS-2 big-endian in the Joliet descriptor. */
    private static void text(ByteBuffer b, int offset, int length, String value, boolean joliet) {
        byte[] encoded = value.getBytes(joliet ? StandardCharsets.UTF_16BE : StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            byte pad = joliet ? (byte) ((i & 1) == 0 ? 0 : ' ') : (byte) ' ';
            b.put(offset + i, i < encoded.length ? encoded[i] : pad);
        }
    }

    private static byte[] terminator() {
        ByteBuffer b = ByteBuffer.allocate(SECTOR);
        b.put(0, (byte) 255);
        b.put(1, "CD001".getBytes(StandardCharsets.US_ASCII));
        b.put(6, (byte) 1);
        return b.array();
    }

    /** ECMA-119 9.4: one record, the root (identifier 0x00, parent 1). */
    private static byte[] pathTable(long rootExtent, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(10).order(order);
        b.put(0, (byte) 1);
        b.putInt(2, (int) rootExtent);
        b.putShort(6, (short) 1);
        return b.array();
    }

    /** Unique level 1 identifiers ("NAME.EXT;1", d-characters only) for every file, in {@code files} order. */
    private static List<String> shortNames(List<IsoFile> files) {
        Set<String> taken = new HashSet<>();
        List<String> out = new ArrayList<>(files.size());
        for (IsoFile f : files) {
            String name = f.name().toUpperCase(Locale.ROOT);
            int dot = name.lastIndexOf('.');
            String base = dChars(dot > 0 ? name.substring(0, dot) : name);
            String ext = dChars(dot > 0 ? name.substring(dot + 1) : "");
            base = base.isEmpty() ? "_" : base;
            ext = ext.length() > 3 ? ext.substring(0, 3) : ext;
            String candidate = (base.length() > 8 ? base.substring(0, 8) : base) + "." + ext + ";1";
            for (int n = 1; !taken.add(candidate); n++) {
                String suffix = Integer.toString(n);
                String stem = base.length() > 8 - suffix.length() ? base.substring(0, 8 - suffix.length()) : base;
                candidate = stem + suffix + "." + ext + ";1";
            }
            out.add(candidate);
        }
        return out;
    }

    private static String dChars(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return b.toString();
    }
}
