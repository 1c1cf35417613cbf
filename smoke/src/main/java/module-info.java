/**
 * The module-path smoke test: an application module that uses vmm4j core and the Linux backend as named
 * modules, finding the backend through the module system's service binding.
 */
module org.vmm4j.smoke {
    requires org.vmm4j.core;
    requires org.vmm4j.linux;
}
