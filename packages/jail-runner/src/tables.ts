/** The architecture tables the runner can use: the host's, looked up by name. */
import type { ArchTable } from '@syscage/arch-tables';
import { resolveArchName } from '@syscage/arch-tables';
import { allArchTables } from './arch-tables.generated.js';
import { hostArchName } from './host.js';

/** Every table of the registry, imported statically because lookups here are synchronous. */
const TABLES: readonly ArchTable[] = allArchTables;

/** The table for an architecture name or alias, or a message saying why there is none. */
export function archTableFor(name: string): { table: ArchTable } | { message: string } {
  const resolved = resolveArchName(name);
  if (!resolved.ok) return { message: resolved.message };
  const table = TABLES.find((candidate) => candidate.name === resolved.name);
  return table ? { table } : { message: `no table for ${resolved.name}` };
}

/** The host's table, or a message when Node runs on an architecture without one. */
export function hostArchTable(): { table: ArchTable } | { message: string } {
  const name = hostArchName();
  return name === undefined ? { message: `Node architecture ${process.arch} is not supported` } : archTableFor(name);
}

/** The table of the architecture whose `AUDIT_ARCH_*` value is `auditArch`, or `undefined`. */
export function archTableForAudit(auditArch: number): ArchTable | undefined {
  return TABLES.find((candidate) => candidate.auditArch === auditArch);
}

const namesByAuditArch = new Map<number, ReadonlyMap<number, string>>();

/**
 * The name of syscall `nr` of the architecture whose `AUDIT_ARCH_*` value is `auditArch`
 * (a compat call, e.g. i386 on x86_64, has the other architecture's numbers).
 */
export function syscallNameFor(auditArch: number, nr: number): string | undefined {
  let names = namesByAuditArch.get(auditArch);
  if (names === undefined) {
    const table = archTableForAudit(auditArch);
    names = new Map(Object.entries(table?.syscalls ?? {}).map(([name, number]) => [number, name]));
    namesByAuditArch.set(auditArch, names);
  }
  return names.get(nr);
}
