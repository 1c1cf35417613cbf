package org.vmm4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void measuresWideCharactersAsTwoCellsAndDirectionMarksAsNone() {
        assertEquals(4, TextTable.width("種類"));
        assertEquals(4, TextTable.width("종류"));
        assertEquals(3, TextTable.width("\u2068abc\u2069"));
        assertEquals(5, TextTable.width("نعم ب"));
    }

    @Test
    void alignsColumnsByTheirWidestCell() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new TextTable().row("種類", "有無", "x").row("kvm", "はい", "y").print(out, 3);
        String nl = System.lineSeparator();
        assertEquals("種類 有無 x" + nl + "kvm  はい y" + nl, bytes.toString(StandardCharsets.UTF_8));
    }
}
