// Which architectures exist, under which names, and which package holds each one's table.
import { generatedArchPackages } from './registry.generated.js';
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
  /** Node's `process.arch` on this ABI (`x64`, `arm64`, …), when Node runs there. */
  readonly nodeArch?: string;
}

/**
 * Every architecture Syscage has a table for. Generated from the generator's configuration
 * (`tools/arch-gen/src/config.ts`, the one list of architectures) by `pnpm generate`; every
 * other list of architectures in the repository derives from this one.
 */
export const archPackages: readonly ArchPackage[] = generatedArchPackages;

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

/** The architecture whose Node `process.arch` is `nodeArch` (`x64` → x86_64), or `undefined`. */
export function archPackageForNode(nodeArch: string): ArchPackage | undefined {
  return archPackages.find((arch) => arch.nodeArch === nodeArch);
}

/** The registry entry for a name or alias, or `undefined`. */
export function findArchPackage(name: string): ArchPackage | undefined {
  const resolved = resolveArchName(name);
  return resolved.ok ? archPackages.find((arch) => arch.name === resolved.name) : undefined;
}
