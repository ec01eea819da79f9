// Runs seccomp programs in the real kernel through tests/emulate-kernel.py (x86_64 Linux hosts
// with /usr/bin/python3): a forked child installs each program and calls getppid(2) with the
// given arguments. Shared by emulate-kernel.test.ts and verify-kernel.test.ts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BpfProgram } from '../src/types.js';

const probe = fileURLToPath(new URL('./emulate-kernel.py', import.meta.url));

/** True on hosts where the probe can run. */
export const kernelUsable = process.platform === 'linux' && process.arch === 'x64' && existsSync('/usr/bin/python3');
if (!kernelUsable) console.warn('SKIPPED: kernel comparison needs an x86_64 Linux host with /usr/bin/python3');

/** getppid's number on x86_64, the one syscall the probe makes. */
export const GETPPID = 110;
/** AUDIT_ARCH_X86_64. */
export const X86_64 = 0xc000003e;
/** SECCOMP_RET_ALLOW. */
export const ALLOW = 0x7fff0000;

/** What one getppid call did: its return value and errno, or the signal that ended the child. */
export interface KernelCall {
  readonly ret?: number;
  readonly errno?: number;
  readonly signal?: number;
}

/** Whether the kernel installed a program, and what each call did. */
export interface KernelCase {
  readonly installed: boolean;
  readonly errno?: number;
  readonly results?: readonly KernelCall[];
}

/** Installs each program in its own child and makes its calls. */
export function runInKernel(cases: readonly { program: BpfProgram; calls: readonly (readonly bigint[])[] }[]): KernelCase[] {
  const input = JSON.stringify(
    cases.map((c) => ({ program: c.program.map((i) => [i.code, i.jt, i.jf, i.k]), calls: c.calls.map((args) => args.map((a) => a.toString())) })),
  ).replace(/"(\d+)"/g, '$1');
  const run = spawnSync('/usr/bin/python3', [probe], { input, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000 });
  if (run.status !== 0) throw new Error(`probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as KernelCase[];
}
