// Loading one architecture's table by name without importing the others.
import { findArchPackage, resolveArchName } from './registry.js';
import type { ArchTable } from './types.js';

/**
 * Imports a module by package name. Pass `(specifier) => import(specifier)` written in YOUR
 * code, so the package is resolved from your package (which depends on the `@syscage/arch-*`
 * packages it wants); `@syscage/arch-tables` itself depends on none of them.
 */
export type ArchModuleImporter = (packageName: string) => Promise<unknown>;

/** Result of {@link loadArchTable}. */
export type LoadArchTableResult =
  | { readonly ok: true; readonly table: ArchTable }
  | { readonly ok: false; readonly message: string };

function isArchTable(value: unknown): value is ArchTable {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof ArchTable, unknown>>;
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.auditArch === 'number' &&
    (candidate.bits === 32 || candidate.bits === 64) &&
    typeof candidate.syscalls === 'object' &&
    typeof candidate.constants === 'object'
  );
}

/**
 * Loads the table of the architecture called `name` (canonical or alias) by importing only its
 * package. Never throws: an unknown name, a package that is not installed or one that does not
 * export the expected table gives `{ ok: false, message }`.
 *
 * @example
 * ```ts
 * const result = await loadArchTable('arm64', (specifier) => import(specifier));
 * if (result.ok) console.log(result.table.syscalls.openat);
 * ```
 */
export async function loadArchTable(name: string, importModule: ArchModuleImporter): Promise<LoadArchTableResult> {
  const resolved = resolveArchName(name);
  if (!resolved.ok) return resolved;
  const entry = findArchPackage(resolved.name);
  if (entry === undefined) return { ok: false, message: `no package registered for '${resolved.name}'` };
  let module: unknown;
  try {
    module = await importModule(entry.packageName);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `cannot load ${entry.packageName} for '${resolved.name}' (is it installed?): ${reason}` };
  }
  const table = typeof module === 'object' && module !== null ? (module as Record<string, unknown>)[entry.exportName] : undefined;
  if (!isArchTable(table) || table.name !== entry.name) {
    return { ok: false, message: `${entry.packageName} does not export the ArchTable '${entry.exportName}' for '${entry.name}'` };
  }
  return { ok: true, table };
}
