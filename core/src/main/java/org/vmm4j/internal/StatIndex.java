package org.vmm4j.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.vmm4j.StatDescriptor;

/**
 * The descriptors of a {@link org.vmm4j.Stats} handle and the name-to-key lookup every backend's
 * handle needs; built once when the handle opens.
 */
public final class StatIndex {
    private final String owner;
    private final List<StatDescriptor> descriptors;
    private final Map<String, Integer> keys;

    /** @param owner what the statistics belong to, for messages ("kvm-1234/vcpu-0", "vCPU 2") */
    public StatIndex(String owner, List<StatDescriptor> descriptors) {
        this.owner = owner;
        this.descriptors = List.copyOf(descriptors);
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < this.descriptors.size(); i++) {
            byName.putIfAbsent(this.descriptors.get(i).name(), i);
        }
        this.keys = Map.copyOf(byName);
    }

    public List<StatDescriptor> descriptors() {
        return descriptors;
    }

    /** The key of statistic {@code name}; an {@link IllegalArgumentException} naming it when there is none. */
    public int key(String name) {
        Integer k = keys.get(name);
        if (k == null) {
            throw new IllegalArgumentException("no statistic named '" + name + "' in " + owner);
        }
        return k;
    }

    public boolean has(String name) {
        return keys.containsKey(name);
    }
}
