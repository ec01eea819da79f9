/**
 * The learn fallback where seccomp user notification is not available: run the command under
 * `strace -f` (it sees every thread and child), and keep the calls the starting filter would
 * not allow, as the emulator decides them. The command runs without any filter in this mode.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, emulate } from '@syscage/bpf-codegen';
import { JailError } from './errors.js';
import { findExecutable, hostByteOrder } from './host.js';
import type { JailOptions, JailResult, ObservedCall } from './run.js';

/** One syscall entry in `strace -f -n -X raw -e raw=all` output. */
export interface StraceCall {
  /** Thread id strace printed at the start of the line (`-f`). */
  readonly pid: number;
  /** The syscall number strace printed in brackets (`-n`), in the traced process's numbering. */
  readonly nr: number;
  /** The arguments strace printed, as raw numbers (`-X raw -e raw=all`); strace prints only as many as the syscall takes. */
  readonly args: readonly bigint[];
}

const CALL_LINE = /^(\d+)\s+\[\s*(\d+)\]\s+\w+\(([^<)]*)/;

/** Parses strace output (`-f -n -X raw -e raw=all`); lines that are not syscall entries are skipped. */
export function parseStraceOutput(text: string): StraceCall[] {
  const calls: StraceCall[] = [];
  for (const line of text.split('\n')) {
    const match = CALL_LINE.exec(line);
    if (!match) continue;
    const argsText = (match[3] ?? '').trim();
    const args = argsText === '' ? [] : argsText.split(',').map((part) => part.trim());
    if (args.some((arg) => !/^(0x[0-9a-f]+|\d+)$/i.test(arg))) continue;
    calls.push({ pid: Number(match[1]), nr: Number(match[2]), args: args.map((arg) => BigInt(arg)) });
  }
  return calls;
}

/**
 * Runs `options.command` once under strace and returns the calls `filter` would not allow (in
 * learn mode's sense: errno returns count as allowed). With `clone3Enosys`, strace answers
 * `clone3` with `ENOSYS`, as the filter of a supervised learn run does. Rejects with a
 * `supervisor` JailError when strace is missing or fails to start.
 */
export async function straceLearnRun(
  options: JailOptions,
  table: ArchTable,
  filter: BpfProgram,
  settings: { readonly clone3Enosys: boolean },
): Promise<JailResult> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const strace = findExecutable('strace', cwd, env.PATH ?? process.env.PATH);
  if ('errno' in strace) throw new JailError('supervisor', 'user notification is unavailable and strace is not installed', { errno: strace.errno });
  const scratch = mkdtempSync(join(tmpdir(), 'syscage-strace-'));
  const output = join(scratch, 'trace');
  try {
    const stdio = options.stdio ?? 'inherit';
    const child = spawn(
      strace.path,
      [
        '-f',
        '-qq',
        '-n',
        '-X',
        'raw',
        '-e',
        'raw=all',
        ...(settings.clone3Enosys && table.syscalls.clone3 !== undefined ? ['-e', 'inject=clone3:error=ENOSYS'] : []),
        '-o',
        output,
        '--',
        options.command,
        ...(options.args ?? []),
      ],
      { cwd, env, stdio: typeof stdio === 'string' ? stdio : [...stdio] },
    );
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', (error) => {
        reject(new JailError('supervisor', `cannot start strace: ${error.message}`));
      });
      child.on('exit', (exitCode, exitSignal) => {
        resolve({ code: exitCode, signal: exitSignal });
      });
    });
    let text: string;
    try {
      text = readFileSync(output, 'utf8');
    } catch {
      throw new JailError('supervisor', `strace wrote no trace (exit ${code ?? signal ?? '?'})`);
    }
    const names = new Map(Object.entries(table.syscalls).map(([name, nr]) => [nr, name]));
    const calls: ObservedCall[] = [];
    for (const call of parseStraceOutput(text)) {
      const args = [...call.args, 0n, 0n, 0n, 0n, 0n, 0n].slice(0, 6);
      const data = { nr: call.nr, arch: table.auditArch, instructionPointer: 0n, args };
      const decision = emulate(filter, data, { byteOrder: hostByteOrder(), recordPath: false });
      if (decision.ok && (decision.action === 'allow' || decision.action === 'log' || decision.action === 'errno')) continue;
      calls.push({
        tid: call.pid,
        syscall: { nr: call.nr, name: names.get(call.nr) },
        arch: table.auditArch,
        instructionPointer: 0n,
        args,
        wouldBe: decision.ok ? { action: decision.action, data: decision.data } : undefined,
      });
    }
    const signalNumber = signal === null ? 0 : (osConstants.signals[signal] as number | undefined) ?? 0;
    return {
      mode: 'learn',
      exitCode: code,
      signal,
      status: code ?? 128 + signalNumber,
      monitor: 'strace',
      violation: undefined,
      violationUnknownReason: undefined,
      calls,
      killedAfterThreadKill: false,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
