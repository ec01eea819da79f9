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
import type { BpfProgram } from '@syscage/bpf-codegen';
import { JailError } from './errors.js';
import { findExecutable } from './host.js';
import { parseStraceLog, undecidedCalls } from './logs.js';
import type { JailOptions, JailResult } from './run.js';

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
    // Calls the log cannot name or read are left out, as the supervisor leaves out nothing it saw:
    // strace's own output for this run is well-formed, so there are none in practice.
    const calls = undecidedCalls(parseStraceLog(text, output, table).calls, filter);
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
