// Reading a learned policy back: its compiled program, and what it does with one call.
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, emulate } from '@syscage/bpf-codegen';
import { hostByteOrder } from '../src/host.js';
import { compilePolicyFile } from '../src/run.js';

/** The program of a policy file, compiled for `table` with kill-process; throws on errors. */
export function policyProgram(file: string, table: ArchTable): BpfProgram {
  const compiled = compilePolicyFile(file, table, { command: '', compileOptions: { useKillProcess: true } });
  if ('error' in compiled) throw new Error(`${compiled.error.message}: ${compiled.error.diagnostics.map((d) => d.message).join('; ')}`);
  return compiled.program;
}

/** Whether `program` allows `syscall` with `args`. */
export function emulateCall(program: BpfProgram, table: ArchTable, syscall: string, args: readonly bigint[]): boolean {
  const nr = table.syscalls[syscall];
  if (nr === undefined) return false;
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [...args] }, { byteOrder: hostByteOrder(), recordPath: false });
  return result.ok && result.action === 'allow';
}
