/**
 * `learnPolicy`: run a command in learn mode, then again under what was learned so far, and
 * propose the rules it needs. The first pass sends every call the starting policy does not
 * allow through the supervisor, which slows the program and changes its timing; later passes
 * run under the proposal, so only calls not yet seen stop, and the program runs at nearly its
 * real pace, which shows calls that depend on timing (lock contention, GC threads).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { ArchTable } from '@syscage/arch-tables';
import { type BpfProgram, emulate } from '@syscage/bpf-codegen';
import { defaultIncludeMap } from '@syscage/include-resolver';
import { JailError } from './errors.js';
import { hostByteOrder } from './host.js';
import { type Proposal, notifyEverythingProgram, proposeRules } from './learn.js';
import { straceLearnRun } from './strace.js';
import { type JailOptions, type JailResult, type ObservedCall, compilePolicyFile, runJailed } from './run.js';
import { hostArchTable } from './tables.js';

/** Options of {@link learnPolicy}: a launch (without `mode` and `filter`) and the passes. */
export interface LearnOptions extends Omit<JailOptions, 'mode' | 'filter'> {
  /**
   * How many times to run the command: the first pass learns, each later one runs under what
   * was learned and adds what it still lacked. Stops early after a pass that found nothing.
   * @defaultValue `3`
   */
  readonly runs?: number;
  /**
   * Most distinct selector values written as a condition (see {@link proposeRules}).
   * @defaultValue `8`
   */
  readonly maxValues?: number;
  /**
   * A comment line above the rules.
   * @defaultValue none
   */
  readonly header?: string;
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
  /** Every pass, in order; the first one's status is the command's own. */
  readonly passes: readonly JailResult[];
  /** What observed the calls (the last pass's monitor). */
  readonly monitor: 'user-notification' | 'strace';
}

/**
 * Runs a command in learn mode (and again under what was learned, see {@link LearnOptions.runs})
 * and proposes the missing rules. Rejects with a {@link JailError} when a launch step fails.
 */
export async function learnPolicy(options: LearnOptions): Promise<LearnResult> {
  const runs = Math.max(1, options.runs ?? 3);
  const found = options.archTable ? { table: options.archTable } : hostArchTable();
  if ('message' in found) throw new JailError('arch', found.message);
  const table: ArchTable = found.table;
  const cwd = options.cwd ?? process.cwd();
  const starting = options.policy === undefined ? undefined : resolvePath(cwd, options.policy);
  const includeMap = options.includeMap ?? (starting === undefined ? undefined : defaultIncludeMap(starting));
  const scratch = mkdtempSync(join(tmpdir(), 'syscage-learn-'));
  let startingProgram: BpfProgram | undefined;
  if (starting !== undefined) {
    const compiled = compilePolicyFile(starting, table, { ...options, ...(includeMap === undefined ? {} : { includeMap }) });
    if ('error' in compiled) throw compiled.error;
    startingProgram = compiled.program;
  }
  const passes: JailResult[] = [];
  let monitor: 'user-notification' | 'strace' = options.monitor === 'strace' ? 'strace' : 'user-notification';
  const calls: ObservedCall[] = [];
  const propose = (): Proposal =>
    proposeRules(calls, table, {
      ...(options.maxValues === undefined ? {} : { maxValues: options.maxValues }),
      ...(options.header === undefined ? {} : { header: options.header }),
      isAllowed: (name) => startingProgram !== undefined && allows(startingProgram, table, name),
    });
  try {
    let proposal = propose();
    for (let pass = 0; pass < runs; pass++) {
      // Pass 1 runs under the starting policy; later passes under starting policy + proposal.
      let policy = starting;
      if (pass > 0) {
        policy = join(scratch, `pass-${pass}.policy`);
        writeFileSync(policy, `${starting === undefined ? '' : `@include ${starting}\n`}${proposal.text}`);
      }
      const launch: JailOptions = { ...options, mode: 'learn', ...(policy === undefined ? {} : { policy }) };
      let result: JailResult;
      if (monitor === 'strace') {
        result = await straceLearnRun(launch, table, startingProgram ?? notifyEverythingProgram(table));
      } else {
        try {
          result = await runJailed(includeMap === undefined ? launch : { ...launch, includeMap });
        } catch (error) {
          if (!(error instanceof JailError && error.step === 'supervisor' && (options.monitor ?? 'auto') === 'auto')) throw error;
          monitor = 'strace';
          result = await straceLearnRun(launch, table, startingProgram ?? notifyEverythingProgram(table));
        }
      }
      passes.push(result);
      calls.push(...result.calls);
      const next = propose();
      const grew = next.text !== proposal.text;
      proposal = next;
      if (pass > 0 && !grew) break;
    }
    return { proposal, passes, monitor };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Whether `program` allows `name` with all-zero arguments. */
function allows(program: BpfProgram, table: ArchTable, name: string): boolean {
  const nr = table.syscalls[name];
  if (nr === undefined) return false;
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: hostByteOrder(), recordPath: false });
  return result.ok && result.action === 'allow';
}
