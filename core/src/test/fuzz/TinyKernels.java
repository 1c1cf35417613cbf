import java.nio.file.Files;
import java.nio.file.Path;
import org.vmm4j.boot.MinimalKernel;

/** Writes MinimalKernel's bzImage and PVH ELF (run by make-kernel-seeds with core's classes on the class path). */
class TinyKernels {
    public static void main(String[] args) throws Exception {
        Files.write(Path.of(args[0]), MinimalKernel.bzImage());
        Files.write(Path.of(args[1]), MinimalKernel.pvhElf());
    }
}
