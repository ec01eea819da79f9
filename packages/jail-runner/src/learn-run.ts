/**
 * `learnPolicy`: run a command once in learn mode and propose the rules it needs. Every call the
 * starting policy does not allow goes through the supervisor (or strace, the fallback), which
 * records it and lets it continue; the command runs exactly once, so its side effects happen
 * once.
 */
import { resolve as resolvePath } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, emulate } from '@syscage/bpf-codegen';
import { defaultIncludeMap } from '@syscage/include-resolver';
import { JailError } from './errors.js';
import { hostByteOrder } from './host.js';
import { type Proposal, notifyEverythingProgram, proposeRules, withClone3Enosys } from './learn.js';
import { straceLearnRun } from './strace.js';
import { type JailOptions, type JailResult, compilePolicyFile, runJailed } from './run.js';
import { hostArchTable } from './tables.js';

/** Options of {@link learnPolicy}: a launch (without `mode` and `filter`) and how to write the proposal. */
export interface LearnOptions extends Omit<JailOptions, 'mode' | 'filter'> {
  /**
   * Comment lines above the rules (without `#`); a line naming the monitor that ran follows them.
   * @defaultValue none
   */
  readonly header?: readonly string[];
  /**
   * A frequency file for the policy to reference (see {@link ProposeOptions.frequencyPath});
   * the counts are in the proposal's `frequencyText`.
   * @defaultValue no `@frequency` line
   */
  readonly frequencyPath?: string;
  /**
   * How to observe the calls: a seccomp user-notification supervisor, `strace -f` (the command
   * then runs without a filter), or the supervisor with strace as the fallback when the
   * supervisor cannot attach (a `supervisor` step failure).
   * @defaultValue `'auto'`
   */
  readonly monitor?: 'auto' | 'user-notification' | 'strace';
}

/** What {@link learnPolicy} found. */
export interface LearnResult {
  /** The rules to add to the starting policy (or the whole policy when there was none). */
  readonly proposal: Proposal;
  /** The run: the command's status and every observed call. */
  readonly run: JailResult;
  /** What observed the calls. */
  readonly monitor: 'user-notification' | 'strace';
}

/**
 * Runs a command once in learn mode and proposes the missing rules. Rejects with a
 * {@link JailError} when a launch step fails.
 */
export async function learnPolicy(options: LearnOptions): Promise<LearnResult> {
  const found = options.archTable ? { table: options.archTable } : hostArchTable();
  if ('message' in found) throw new JailError('arch', found.message);
  const table: ArchTable = found.table;
  const cwd = options.cwd ?? process.cwd();
  const starting = options.policy === undefined ? undefined : resolvePath(cwd, options.policy);
  const includeMap = options.includeMap ?? (starting === undefined ? undefined : defaultIncludeMap(starting));
  let startingProgram: BpfProgram | undefined;
  if (starting !== undefined) {
    const compiled = compilePolicyFile(starting, table, { ...options, ...(includeMap === undefined ? {} : { includeMap }) });
    if ('error' in compiled) throw compiled.error;
    startingProgram = compiled.program;
  }
  const base = startingProgram ?? notifyEverythingProgram(table);
  // The learned policy answers clone3 with ENOSYS (unless the starting policy decides it), so the
  // run does too: libc then falls back to clone, whose flags are observed and can be checked.
  const handles = (name: string): boolean => startingProgram !== undefined && decides(startingProgram, table, name);
  const clone3Enosys = !handles('clone3');
  const filter = clone3Enosys ? withClone3Enosys(base, table) : base;
  // The filter replaces the policy: the launch compiles nothing more.
  const launch: JailOptions = { ...options, policy: undefined, mode: 'learn', filter, archTable: table };
  let monitor: 'user-notification' | 'strace' = options.monitor === 'strace' ? 'strace' : 'user-notification';
  let run: JailResult;
  if (monitor === 'strace') {
    run = await straceLearnRun(launch, table, filter, { clone3Enosys });
  } else {
    try {
      run = await runJailed(launch);
    } catch (error) {
      // Only a supervisor that could not attach falls back: the target did not run yet.
      if (!(error instanceof JailError && error.step === 'supervisor' && (options.monitor ?? 'auto') === 'auto')) throw error;
      monitor = 'strace';
      run = await straceLearnRun(launch, table, filter, { clone3Enosys });
    }
  }
  const how = monitor === 'strace' ? 'Calls observed by strace -f (the command ran without a filter).' : 'Calls observed by the seccomp user-notification supervisor.';
  const proposal: Proposal = proposeRules(run.calls, table, {
    header: [...(options.header ?? []), how],
    ...(options.frequencyPath === undefined ? {} : { frequencyPath: options.frequencyPath }),
    handles,
  });
  return { proposal, run, monitor };
}

/** Whether `program` decides `name` (with all-zero arguments) itself: allows it or returns an errno. */
function decides(program: BpfProgram, table: ArchTable, name: string): boolean {
  const nr = table.syscalls[name];
  if (nr === undefined) return false;
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: hostByteOrder(), recordPath: false });
  return result.ok && (result.action === 'allow' || result.action === 'errno' || result.action === 'log');
}
