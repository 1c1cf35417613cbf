package org.vmm4j.openbsd.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.vmm4j.testsupport.FuzzCheck;

/**
 * Coverage-guided fuzzing of the vm.conf(5) parser: tokens, quoting, comments, line continuations,
 * {@code vm} and {@code switch} blocks with every statement the parser models, interface options and
 * sizes. Every input (read as UTF-8) either parses or is refused with a {@link
 * VmConfParser.VmConfException} naming the line, within 2 s and 16 MiB (a file of a few KiB makes a
 * few token lists and strings; 16 MiB leaves room for the JIT's first runs and nothing for a blow-up).
 * What parses renders back ({@link VmConf#render()}, what {@link VmConfFile} writes) to text that
 * parses to an equal value and renders identically. Seeds: vm.conf files covering every statement
 * ({@code VmConfParserFuzzTestInputs/vmConf}, remade by {@code bindings-openbsd/src/test/fuzz/make-seeds}).
 */
class VmConfParserFuzzTest {
    private static final FuzzCheck CHECK =
            FuzzCheck.of(Duration.ofSeconds(2), 16L << 20, VmConfParser.VmConfException.class);

    @FuzzTest
    void vmConf(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        String name = input.length + " bytes: " + text.substring(0, Math.min(text.length(), 80));
        runTwice(name, () -> {
            VmConf conf = VmConfParser.parse(text);
            String rendered = conf.render();
            VmConf again;
            try {
                again = VmConfParser.parse(rendered);
            } catch (VmConfParser.VmConfException e) {
                throw new AssertionError("the rendered file does not parse:\n" + rendered, e);
            }
            assertEquals(conf, again, () -> "the rendered file parses to another value:\n" + rendered);
            assertEquals(rendered, again.render(), "rendering is stable");
        });
    }

    /** Runs the input once to load the classes its paths use, then within the bounds. */
    private static void runTwice(String name, FuzzCheck.Target target) {
        CHECK.run(name, target);
    }
}
