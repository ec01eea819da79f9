// Name lookups in an ArchTable that ignore inherited object keys.
import type { ArchTable } from './types.js';

/** Syscall number of `name` on `table`'s architecture, or `undefined` if the architecture has no such syscall. */
export function lookupSyscall(table: ArchTable, name: string): number | undefined {
  return Object.hasOwn(table.syscalls, name) ? table.syscalls[name] : undefined;
}

/** Value of the constant `name` on `table`'s architecture, or `undefined` if it has no such constant. */
export function lookupConstant(table: ArchTable, name: string): bigint | undefined {
  return Object.hasOwn(table.constants, name) ? table.constants[name] : undefined;
}

const namesByNumberCache = new WeakMap<ArchTable, ReadonlyMap<number, string>>();

/**
 * Name of syscall number `nr` (for disassembly and reports), or `undefined`. Where several names
 * share a number (aliases such as Arm's `ARM_cacheflush`/`cacheflush`), the one sorting first wins.
 */
export function syscallName(table: ArchTable, nr: number): string | undefined {
  let byNumber = namesByNumberCache.get(table);
  if (byNumber === undefined) {
    const map = new Map<number, string>();
    for (const name of Object.keys(table.syscalls).sort()) {
      const number = table.syscalls[name];
      if (number !== undefined && !map.has(number)) map.set(number, name);
    }
    byNumber = map;
    namesByNumberCache.set(table, map);
  }
  return byNumber.get(nr);
}
