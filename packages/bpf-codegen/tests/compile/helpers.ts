// Shared helpers of the compiler tests: compile policy text held in memory, run programs.
import type { ArchTable } from '@syscage/arch-tables';
import { archAarch64 } from '@syscage/arch-aarch64';
import { archArm } from '@syscage/arch-arm';
import { archX86_64 } from '@syscage/arch-x86-64';
import { type ResolvedPolicy, createMemoryHost, resolvePolicy } from '@syscage/include-resolver';
import { type CompileResult, type GenerateOptions, compilePolicy } from '../../src/compile.js';
import { emulate } from '../../src/emulate.js';
import type { SeccompAction } from '../../src/options.js';
import type { BpfProgram } from '../../src/types.js';

/** The real tables the tests compile for, by name. */
export const tables: Readonly<Record<string, ArchTable>> = { x86_64: archX86_64, aarch64: archAarch64, arm: archArm };

/** Looks a table up by name or fails the test. */
export function tableNamed(name: string): ArchTable {
  const table = tables[name];
  if (table === undefined) throw new Error(`no table ${name} in the tests`);
  return table;
}

/** Resolves `/p/main.policy` (plus other in-memory files) and compiles it. */
export function compileText(
  text: string,
  table: ArchTable,
  options: GenerateOptions = {},
  extraFiles: Readonly<Record<string, string>> = {},
): { resolved: ResolvedPolicy; result: CompileResult } {
  const host = createMemoryHost({ '/p/main.policy': text, ...extraFiles });
  const resolved = resolvePolicy('/p/main.policy', {
    host,
    arch: table.name,
    ...(options.denylist === undefined ? {} : { denylist: options.denylist }),
  });
  return { resolved, result: compilePolicy(resolved, table, options) };
}

/** The syscall number of a name, or a failed test. */
export function numberOf(table: ArchTable, name: string): number {
  const value = Object.hasOwn(table.syscalls, name) ? table.syscalls[name] : undefined;
  if (value === undefined) throw new Error(`no syscall ${name} on ${table.name}`);
  return value;
}

/** Emulates a program and describes its decision as `allow`, `errno 2`, `trap`, …. */
export function decide(program: BpfProgram, arch: number, nr: number, args: readonly bigint[]): string {
  const result = emulate(program, { nr, arch, instructionPointer: 0n, args }, { recordPath: false });
  if (!result.ok) return `invalid: ${result.error.message}`;
  return result.action === 'errno' ? `errno ${result.data}` : result.action;
}

/** Describes an action the way {@link decide} does. */
export function describeAction(action: SeccompAction): string {
  return action.kind === 'errno' ? `errno ${action.errno ?? 0}` : action.kind;
}
