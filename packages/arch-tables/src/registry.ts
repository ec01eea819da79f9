// Which architectures exist, under which names, and which package holds each one's table.
import { suggestName } from './suggest.js';

/** Where one architecture's generated table lives. */
export interface ArchPackage {
  /** Canonical architecture name. */
  readonly name: string;
  /** Other accepted names (Minijail's, Debian's, libseccomp's spellings). */
  readonly aliases: readonly string[];
  /** npm package exporting the table. */
  readonly packageName: string;
  /** Name of the `ArchTable` export in that package. */
  readonly exportName: string;
}

/**
 * Every architecture Syscage has a table for. Kept in step with the generator's configuration
 * (`tools/arch-gen/src/config.ts`); a test checks that each entry matches its package.
 */
export const archPackages: readonly ArchPackage[] = [
  { name: 'x86_64', aliases: ['amd64', 'x86-64'], packageName: '@syscage/arch-x86-64', exportName: 'archX86_64' },
  { name: 'aarch64', aliases: ['arm64'], packageName: '@syscage/arch-aarch64', exportName: 'archAarch64' },
  { name: 'arm', aliases: ['armhf', 'armel', 'arm-eabi'], packageName: '@syscage/arch-arm', exportName: 'archArm' },
  { name: 'riscv64', aliases: [], packageName: '@syscage/arch-riscv64', exportName: 'archRiscv64' },
  { name: 'i386', aliases: ['x86', 'i686'], packageName: '@syscage/arch-i386', exportName: 'archI386' },
  { name: 'ppc64le', aliases: ['ppc64el', 'powerpc64le'], packageName: '@syscage/arch-ppc64le', exportName: 'archPpc64le' },
  { name: 's390x', aliases: [], packageName: '@syscage/arch-s390x', exportName: 'archS390x' },
];

/** Canonical names of every known architecture, in registry order. */
export const knownArchNames: readonly string[] = archPackages.map((arch) => arch.name);

/** Result of {@link resolveArchName}. */
export type ResolveArchResult = { readonly ok: true; readonly name: string } | { readonly ok: false; readonly message: string };

/**
 * Maps an architecture name or alias (`arm64`, `x86`, `amd64`, …) to its canonical name. An
 * unknown name gives a message listing the known names, with a suggestion when one is close.
 */
export function resolveArchName(name: string): ResolveArchResult {
  for (const arch of archPackages) {
    if (arch.name === name || arch.aliases.includes(name)) return { ok: true, name: arch.name };
  }
  const allNames = archPackages.flatMap((arch) => [arch.name, ...arch.aliases]);
  const lowered = name.toLowerCase();
  const caseMatch = allNames.find((candidate) => candidate.toLowerCase() === lowered);
  // A truncated name (`riscv`) is as likely as a typo.
  const prefixMatch = lowered.length >= 3 ? allNames.find((candidate) => candidate.startsWith(lowered)) : undefined;
  const suggestion = caseMatch ?? prefixMatch ?? suggestName(name, allNames);
  const hint = suggestion === undefined ? '' : ` Did you mean '${suggestion}'?`;
  const known = archPackages
    .map((arch) => (arch.aliases.length > 0 ? `${arch.name} (${arch.aliases.join(', ')})` : arch.name))
    .join(', ');
  return { ok: false, message: `unknown architecture '${name}'.${hint} Known architectures: ${known}.` };
}

/** The registry entry for a name or alias, or `undefined`. */
export function findArchPackage(name: string): ArchPackage | undefined {
  const resolved = resolveArchName(name);
  return resolved.ok ? archPackages.find((arch) => arch.name === resolved.name) : undefined;
}
