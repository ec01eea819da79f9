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
import type { Diagnostic } from '@syscage/policy-parser';
import type { JailOptions, JailResult } from './run.js';

/** The name the fallback's own log has in its diagnostics (the file itself is removed). */
export const straceLogName = 'strace-f.log';

/**
 * Runs `options.command` once under strace and returns the calls `filter` would not allow (in
 * learn mode's sense: errno returns count as allowed), with the log's diagnostics (calls left
 * out or kept without arguments, named {@link straceLogName}) and its text. With
 * `clone3Enosys`, strace answers `clone3` with `ENOSYS`, as the filter of a supervised learn run
 * does; `comparedArguments` are the arguments the starting policy compares per syscall. Rejects
 * with a `supervisor` JailError when strace is missing or fails to start.
 */
export async function straceLearnRun(
  options: JailOptions,
  table: ArchTable,
  filter: BpfProgram,
  settings: { readonly clone3Enosys: boolean; readonly comparedArguments: (syscall: string) => readonly number[] },
): Promise<{ readonly run: JailResult; readonly diagnostics: readonly Diagnostic[]; readonly log: string }> {
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
    // strace's own output for this run is well-formed, but a call it could not read (a process
    // killed mid-call) is reported, never dropped without a word.
    const parsed = parseStraceLog(text, straceLogName, table, settings.comparedArguments);
    const calls = undecidedCalls(parsed.calls, filter, settings.comparedArguments);
    const signalNumber = signal === null ? 0 : (osConstants.signals[signal] as number | undefined) ?? 0;
    const run: JailResult = {
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
    // A run that made no call of this architecture has nothing to learn; that is not an error here.
    return { run, diagnostics: parsed.diagnostics.filter((found) => found.code !== 'SC5012'), log: text };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
