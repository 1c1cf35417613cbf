package org.vmm4j.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmm4j.testsupport.HostRequirements;

class SetupHeaderTest {

    @Test
    void parsesTheFieldsASyntheticImageDeclares() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.cmdlineSize = 1234;
        img.initrdAddrMax = 0x3fff_ffff;
        img.initSize = 0x123_4000;
        img.payload = TestImages.gzip(new byte[] {1, 2, 3});
        SetupHeader h = SetupHeader.parse(img.build());
        assertEquals(0x020f, h.version());
        assertEquals(1234, h.cmdlineSize());
        assertEquals(0x3fff_ffffL, h.initrdAddrMax());
        assertEquals(0x20_0000, h.kernelAlignment());
        assertEquals(0x123_4000, h.initSize());
        assertEquals(0x100_0000, h.prefAddress());
        assertEquals(1024, h.protectedModeOffset());
        assertEquals(0x200 + 1, h.payloadOffset());
        assertEquals(img.payload.length, h.payloadLength());
        assertEquals(0x26c, h.headerEnd());
        assertTrue(h.relocatable());
    }

    @Test
    void refusesAnImageEndingInsideTheProtocolVersion() {
        // boot flag and "HdrS" but only 0x207 bytes: reading the version at 0x206 used to throw
        // IndexOutOfBoundsException (found by SetupHeaderFuzzTest)
        byte[] image = Arrays.copyOf(new TestImages.BzImage().build(), 0x207);
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(image));
        assertEquals(
                "bzImage setup header is truncated: the image ends at 0x207, before the protocol version at 0x206",
                e.getMessage());
    }

    @Test
    void zeroSetupSectsMeansFour() {
        byte[] image = new TestImages.BzImage().build();
        byte[] padded = new byte[image.length + 3 * 512];
        System.arraycopy(image, 0, padded, 0, image.length);
        padded[0x1f1] = 0;
        assertEquals(5 * 512, SetupHeader.parse(padded).protectedModeOffset());
    }

    @Test
    void rawHeaderIsTheFileFrom0x1f1ToTheHeaderEnd() {
        byte[] image = new TestImages.BzImage().build();
        byte[] raw = SetupHeader.rawHeader(image, SetupHeader.parse(image));
        assertEquals(0x26c - 0x1f1, raw.length);
        assertEquals('H', raw[0x202 - 0x1f1]);
        assertEquals((byte) 0xaa, raw[0x1ff - 0x1f1]);
    }

    @Test
    void rejectsRandomBytes() {
        byte[] junk = new byte[64 * 1024];
        new Random(7).nextBytes(junk);
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(junk));
        assertTrue(e.getMessage().contains("not a bzImage"), e.getMessage());
        assertFalse(SetupHeader.looksLikeBzImage(junk));
    }

    @Test
    void rejectsBootProtocolOlderThan2_12() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.version = 0x0209;
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(img.build()));
        assertTrue(e.getMessage().contains("2.09") && e.getMessage().contains("too old"), e.getMessage());
    }

    @Test
    void rejectsKernelWithout64BitEntry() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.xloadFlags = 0;
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(img.build()));
        assertTrue(e.getMessage().contains("XLF_KERNEL_64"), e.getMessage());
    }

    @Test
    void rejectsTruncatedImage() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.payload = new byte[4096];
        byte[] full = img.build();
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 100);
        BootException e = assertThrows(BootException.class, () -> SetupHeader.parse(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsNonPowerOfTwoAlignment() {
        TestImages.BzImage img = new TestImages.BzImage();
        img.kernelAlignment = 0x30_0000;
        assertThrows(BootException.class, () -> SetupHeader.parse(img.build()));
    }

    @Test
    void debianKernelHasA64BitEntryAndAnXzPayload() throws Exception {
        Path kernel = HostRequirements.debianKernel();
        byte[] image = Files.readAllBytes(kernel);
        SetupHeader h = SetupHeader.parse(image);
        assertTrue(h.version() >= 0x020c);
        assertTrue((h.xloadFlags() & SetupHeader.XLF_KERNEL_64) != 0);
        assertTrue(h.cmdlineSize() >= 255);
        int payload = (int) (h.protectedModeOffset() + h.payloadOffset());
        byte[] xzMagic = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
        assertArrayEquals(xzMagic, java.util.Arrays.copyOfRange(image, payload, payload + 6));
    }
}
