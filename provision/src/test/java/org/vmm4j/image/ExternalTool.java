package org.vmm4j.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Runs the command-line tools the tests validate against (qemu-img, isoinfo, xorriso, bsdtar). */
final class ExternalTool {
    record Result(int exitCode, String stdout, String stderr) {}

    private ExternalTool() {}

    static Result run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            var out = p.getInputStream();
            var err = p.getErrorStream();
            var errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(err.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            String stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + argv);
            }
            return new Result(p.exitValue(), stdout, errFuture.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + argv + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs and fails the test, with the tool's stderr, unless it exits 0. */
    static String ok(List<String> argv) {
        Result r = run(argv);
        if (r.exitCode() != 0) {
            throw new AssertionError(
                    argv + " exited " + r.exitCode() + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
    }
}
