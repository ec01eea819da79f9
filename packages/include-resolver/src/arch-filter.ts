/**
 * `[arch=…]` metadata: a descriptor carrying it applies only on the listed architectures
 * (Minijail drops it elsewhere). Names are compared after folding Minijail's spellings
 * (`arm64`, `x86`, `loong64`) onto Syscage's (`aarch64`, `i386`, `loongarch64`).
 */
import type { SyscallDescriptor } from '@syscage/policy-parser';
import type { ResolvedPolicy, ResolvedSyscall } from './types.js';

const archAliases: Readonly<Record<string, string>> = {
  arm64: 'aarch64',
  x86: 'i386',
  loong64: 'loongarch64',
};

/** The canonical form of an architecture name (`arm64` → `aarch64`). */
export function canonicalArchName(arch: string): string {
  return archAliases[arch] ?? arch;
}

/** The architectures a descriptor is limited to, or `undefined` when it applies to all. */
export function descriptorArchs(descriptor: SyscallDescriptor): readonly string[] | undefined {
  let archs: string[] | undefined;
  for (const entry of descriptor.metadata?.entries ?? []) {
    if (entry.key !== 'arch') continue;
    const values = entry.values.map((value) => canonicalArchName(value.value));
    archs = archs === undefined ? values : archs.filter((arch) => values.includes(arch));
  }
  return archs;
}

/** True when a descriptor is kept when compiling for `arch`. */
export function descriptorAppliesTo(descriptor: SyscallDescriptor, arch: string): boolean {
  const archs = descriptorArchs(descriptor);
  return archs === undefined || archs.includes(canonicalArchName(arch));
}

/**
 * Each syscall's effective rule list on one architecture: rules whose descriptor's `[arch=…]`
 * metadata excludes `arch` are removed, and syscalls left without rules are omitted (Minijail
 * treats them as unlisted). Order is preserved. `resolvePolicy` never drops rules itself; the
 * code generator calls this once per architecture.
 */
export function syscallsForArch(policy: ResolvedPolicy, arch: string): readonly ResolvedSyscall[] {
  const result: ResolvedSyscall[] = [];
  for (const syscall of policy.syscalls) {
    const rules = syscall.rules.filter((rule) => descriptorAppliesTo(rule.descriptor, arch));
    if (rules.length === 0) continue;
    result.push(rules.length === syscall.rules.length ? syscall : { ...syscall, rules });
  }
  return result;
}

/**
 * The merged `@frequency` counts on one architecture (entries whose `[arch=…]` metadata excludes
 * `arch` are left out), per descriptor text (`read`, `io@libc`). Falls back to
 * `policy.frequencies` for hand-built policies without `frequencyEntries`.
 */
export function frequenciesForArch(policy: ResolvedPolicy, arch: string): ReadonlyMap<string, bigint> {
  if (policy.frequencyEntries === undefined) return policy.frequencies;
  const counts = new Map<string, bigint>();
  for (const entry of policy.frequencyEntries) {
    if (!descriptorAppliesTo(entry.descriptor, arch)) continue;
    const key = descriptorKey(entry.descriptor);
    counts.set(key, (counts.get(key) ?? 0n) + entry.count);
  }
  return counts;
}

/** The key a descriptor is merged under: `name`, or `name@group` for a group. */
export function descriptorKey(descriptor: SyscallDescriptor): string {
  return descriptor.group === undefined ? descriptor.name : `${descriptor.name}@${descriptor.group}`;
}
