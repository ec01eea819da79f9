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
import type { Diagnostic } from '@syscage/policy-parser';
import { type Proposal, notifyEverythingProgram, proposeRules, withClone3Enosys } from './learn.js';
import { parseAuditLog, parseStraceLog, undecidedCalls } from './logs.js';
import { type MergedPolicy, mergeProposal } from './merge.js';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import { straceLearnRun, straceLogName } from './strace.js';
import { type JailOptions, type JailResult, type ObservedCall, compilePolicyFile, runJailed } from './run.js';
import { archTableFor, hostArchTable } from './tables.js';

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
  /**
   * With `policy`: also merge the proposal into the starting policy's text
   * ({@link LearnResult.merged}, see {@link mergeProposal}).
   * @defaultValue `false`
   */
  readonly merge?: boolean;
}

/** What {@link learnPolicy} found. */
export interface LearnResult {
  /** The rules to add to the starting policy (or the whole policy when there was none). */
  readonly proposal: Proposal;
  /** The run: the command's status and every observed call. */
  readonly run: JailResult;
  /** What observed the calls. */
  readonly monitor: 'user-notification' | 'strace';
  /** With `merge` and `policy`: the starting policy with the proposal merged in. */
  readonly merged?: MergedPolicy;
  /**
   * Calls the strace fallback could not read fully (SC5008–SC5015, in its log of this run):
   * each left out, or kept without its arguments and listed in the proposal's `needsArguments`.
   * Empty for the supervisor, which reads every call.
   */
  readonly diagnostics: readonly Diagnostic[];
  /** The strace fallback's log of the run (its file is removed), for the diagnostics' code frames. */
  readonly straceLog?: { readonly file: string; readonly text: string };
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
  const startingPolicy = starting === undefined ? undefined : compileStarting(starting, table, { ...options, ...(includeMap === undefined ? {} : { includeMap }) });
  const startingProgram = startingPolicy?.program;
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
  let diagnostics: readonly Diagnostic[] = [];
  let straceLog: string | undefined;
  const straceSettings = { clone3Enosys, comparedArguments: startingPolicy?.comparedArguments ?? (() => []) };
  if (monitor === 'strace') {
    ({ run, diagnostics, log: straceLog } = await straceLearnRun(launch, table, filter, straceSettings));
  } else {
    try {
      run = await runJailed(launch);
    } catch (error) {
      // Only a supervisor that could not attach falls back: the target did not run yet.
      if (!(error instanceof JailError && error.step === 'supervisor' && (options.monitor ?? 'auto') === 'auto')) throw error;
      monitor = 'strace';
      ({ run, diagnostics, log: straceLog } = await straceLearnRun(launch, table, filter, straceSettings));
    }
  }
  const how = monitor === 'strace' ? 'Calls observed by strace -f (the command ran without a filter).' : 'Calls observed by the seccomp user-notification supervisor.';
  const texts = {
    header: [...(options.header ?? []), how],
    ...(options.frequencyPath === undefined ? {} : { frequencyPath: options.frequencyPath }),
    extraArguments: startingPolicy?.comparedArguments ?? (() => []),
  };
  const proposal: Proposal = proposeRules(run.calls, table, { ...texts, handles });
  const merged = options.merge === true && startingPolicy !== undefined ? mergeProposal({ resolved: startingPolicy.resolved, proposal, options: texts }) : undefined;
  return {
    proposal,
    run,
    monitor,
    diagnostics,
    ...(merged === undefined ? {} : { merged }),
    ...(straceLog === undefined ? {} : { straceLog: { file: straceLogName, text: straceLog } }),
  };
}

/** Whether `program` decides `name` (with all-zero arguments) itself: allows it or returns an errno. */
function decides(program: BpfProgram, table: ArchTable, name: string): boolean {
  const nr = table.syscalls[name];
  if (nr === undefined) return false;
  const result = emulate(program, { nr, arch: table.auditArch, instructionPointer: 0n, args: [] }, { byteOrder: hostByteOrder(), recordPath: false });
  return result.ok && (result.action === 'allow' || result.action === 'errno' || result.action === 'log');
}

/** One recorded run for {@link learnFromLogs}. */
export interface RecordedLog {
  /** The file name, as diagnostics show it. */
  readonly file: string;
  /** Its text. */
  readonly text: string;
  /** `strace`: a `strace -f` log; `audit`: kernel audit SECCOMP records. */
  readonly kind: 'strace' | 'audit';
}

/** Options of {@link learnFromLogs}. */
export interface LogLearnOptions extends Pick<JailOptions, 'policy' | 'includeMap' | 'compileOptions' | 'arch' | 'archTable' | 'cwd'> {
  /** The recorded runs; their calls are learned together. */
  readonly logs: readonly RecordedLog[];
  /**
   * Comment lines above the rules (without `#`).
   * @defaultValue none
   */
  readonly header?: readonly string[];
  /**
   * A frequency file for the policy to reference (see {@link ProposeOptions.frequencyPath}).
   * @defaultValue no `@frequency` line
   */
  readonly frequencyPath?: string;
  /**
   * With `policy`: also merge the proposal into the starting policy's text
   * ({@link LogLearnResult.merged}, see {@link mergeProposal}).
   * @defaultValue `false`
   */
  readonly merge?: boolean;
}

/** What {@link learnFromLogs} found. */
export interface LogLearnResult {
  /** The rules to add to the starting policy (or the whole policy when there was none). */
  readonly proposal: Proposal;
  /** The logs' problems (SC5008–SC5015), each with file, line and column: every call left out or kept without its arguments is one. */
  readonly diagnostics: readonly Diagnostic[];
  /** Every call read from the logs that the starting policy does not decide. */
  readonly calls: readonly ObservedCall[];
  /** With `merge` and `policy`: the starting policy with the proposal merged in. */
  readonly merged?: MergedPolicy;
}

/**
 * Proposes the rules recorded runs need: the same rules a live learn run of the same program
 * writes (for a strace log recorded with `-e inject=clone3:error=ENOSYS`, as a live run answers
 * `clone3`), from the calls the starting policy, if any, does not decide. Bad input never
 * throws: it gives diagnostics. Rejects (throws) only with a {@link JailError} for a starting
 * policy with errors (`filter`) or an unknown architecture (`arch`).
 */
export function learnFromLogs(options: LogLearnOptions): LogLearnResult {
  const found = options.archTable ? { table: options.archTable } : options.arch !== undefined ? archTableFor(options.arch) : hostArchTable();
  if ('message' in found) throw new JailError('arch', found.message);
  const table = found.table;
  const startingPolicy = options.policy === undefined ? undefined : compileStarting(options.policy, table, options);
  const startingProgram = startingPolicy?.program;
  const diagnostics: Diagnostic[] = [];
  const calls: ObservedCall[] = [];
  for (const log of options.logs) {
    const parsed =
      log.kind === 'strace' ? parseStraceLog(log.text, log.file, table, startingPolicy?.comparedArguments) : parseAuditLog(log.text, log.file, table);
    diagnostics.push(...parsed.diagnostics);
    calls.push(...(startingPolicy === undefined ? parsed.calls : undecidedCalls(parsed.calls, startingPolicy.program, startingPolicy.comparedArguments)));
  }
  const handles = (name: string): boolean => startingProgram !== undefined && decides(startingProgram, table, name);
  const texts = {
    ...(options.header === undefined ? {} : { header: options.header }),
    ...(options.frequencyPath === undefined ? {} : { frequencyPath: options.frequencyPath }),
    extraArguments: startingPolicy?.comparedArguments ?? (() => []),
  };
  const proposal = proposeRules(calls, table, { ...texts, handles });
  const merged = options.merge === true && startingPolicy !== undefined ? mergeProposal({ resolved: startingPolicy.resolved, proposal, options: texts }) : undefined;
  return { proposal, diagnostics, calls, ...(merged === undefined ? {} : { merged }) };
}

/**
 * The starting policy's program for `table`, and for each syscall the arguments its conditional
 * rules compare (what a rule added for it must condition on too); throws its `filter` JailError.
 */
function compileStarting(
  policy: string,
  table: ArchTable,
  options: Pick<JailOptions, 'includeMap' | 'compileOptions' | 'cwd'>,
): { readonly program: BpfProgram; readonly resolved: ResolvedPolicy; readonly comparedArguments: (syscall: string) => readonly number[] } {
  const path = resolvePath(options.cwd ?? process.cwd(), policy);
  const includeMap = options.includeMap ?? defaultIncludeMap(path);
  const compiled = compilePolicyFile(path, table, { command: '', ...options, includeMap });
  if ('error' in compiled) throw compiled.error;
  const compared = new Map<string, number[]>();
  for (const syscall of compiled.policy.resolved.syscalls) {
    if (syscall.group !== undefined) continue;
    const args = syscall.rules.flatMap((rule) => rule.filter.condition?.clauses.flatMap((clause) => clause.atoms.map((atom) => atom.argIndex)) ?? []);
    if (args.length > 0) compared.set(syscall.name, [...new Set(args)].sort((a, b) => a - b));
  }
  return { program: compiled.program, resolved: compiled.policy.resolved, comparedArguments: (syscall) => compared.get(syscall) ?? [] };
}
