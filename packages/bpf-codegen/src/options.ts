/**
 * Seccomp actions as the compiler sees them, and the options that choose how a policy's words
 * (`kill`, `@default`, `return N`) turn into return values.
 */
import type { ActionWord } from '@syscage/policy-parser';
import * as bpf from './opcodes.js';
import type { OptimizationPasses } from './passes.js';

/** The kinds of seccomp action a filter can return. */
export type SeccompActionKind =
  | 'allow'
  | 'kill-process'
  | 'kill-thread'
  | 'trap'
  | 'errno'
  | 'trace'
  | 'log'
  | 'user-notify';

/** A concrete action: its kind, and for `errno` the 16-bit error number. */
export interface SeccompAction {
  /** Which `SECCOMP_RET_*` action the filter returns. */
  readonly kind: SeccompActionKind;
  /** Error number for `errno` (0..65535); absent for every other kind. */
  readonly errno?: number;
}

/** `SECCOMP_RET_*` value of each action kind; `errno` also carries its number in the data bits. */
const actionValues: Readonly<Record<SeccompActionKind, number>> = {
  allow: bpf.SECCOMP_RET_ALLOW,
  'kill-process': bpf.SECCOMP_RET_KILL_PROCESS,
  'kill-thread': bpf.SECCOMP_RET_KILL_THREAD,
  trap: bpf.SECCOMP_RET_TRAP,
  errno: bpf.SECCOMP_RET_ERRNO,
  trace: bpf.SECCOMP_RET_TRACE,
  log: bpf.SECCOMP_RET_LOG,
  'user-notify': bpf.SECCOMP_RET_USER_NOTIF,
};

/** `SECCOMP_RET_*` value of an action (with the errno in the data bits). */
export function actionReturnValue(action: SeccompAction): number {
  const value = actionValues[action.kind];
  return action.kind === 'errno' ? (value | ((action.errno ?? 0) & bpf.SECCOMP_RET_DATA)) >>> 0 : value;
}

/** Human-readable form of an action: `allow`, `errno 13`, `kill-thread`. */
export function formatAction(action: SeccompAction): string {
  return action.kind === 'errno' ? `errno ${action.errno ?? 0}` : action.kind;
}

/** True for actions that let the syscall run (allow, log). */
export function isPermissive(action: SeccompAction): boolean {
  return action.kind === 'allow' || action.kind === 'log';
}

/**
 * The action a `--default-action` option names: an action word as in a policy (`kill` means
 * kill-process here, as in Minijail's compiler) or an errno for `return N`.
 */
export type DefaultActionOption = ActionWord | { readonly errno: number };

/** Options of lowering and compilation. */
export interface CompileOptions {
  /**
   * Overrides the policy's `@default`, like Minijail's `--default-action`.
   * @defaultValue the policy's `@default`, else the kill action
   */
  readonly defaultAction?: DefaultActionOption;
  /** The kill action is kill-process instead of kill-thread. @defaultValue false */
  readonly useKillProcess?: boolean;
  /** Every denial by the kill action or `return N` becomes LOG (Minijail's `--use-ret-log`). @defaultValue false */
  readonly logFailures?: boolean;
  /** Compile a `@denylist` policy: unlisted syscalls are allowed. @defaultValue false */
  readonly denylist?: boolean;
  /**
   * Call counts by syscall name for syscalls the policy's own `@frequency` files do not count
   * (e.g. one architecture's profile applied to another's policies). Only the layout changes.
   * @defaultValue none: uncounted syscalls weigh 1
   */
  readonly frequencies?: ReadonlyMap<string, number | bigint>;
  /**
   * When neither the policy's `@frequency` files nor `frequencies` count any syscall, lay the
   * program out for the typical profile (`typicalFrequencyProfile`: I/O syscalls such as `read`
   * and `write` are made far more often than the rest). Only the layout changes.
   * @defaultValue true
   */
  readonly typicalFrequencies?: boolean;
  /**
   * How many dispatch tests beyond the fewest possible the planner may spend to make syscalls
   * cheaper, as a share of that fewest number (rounded down: under the default a dispatch of
   * four tests gets no extra test, one of fifty gets ten). `Infinity` lifts the limit; 0 asks
   * for the smallest layout. Applies when the cost-planned layout (`costTree`) is on.
   * @defaultValue 0.2 ({@link defaultSizeBudget})
   */
  readonly sizeBudget?: number;
  /** Turn all optimisation passes off (`false`) or on (`true`). @defaultValue true */
  readonly optimize?: boolean;
  /** Per-pass switches; each wins over `optimize`. @defaultValue all passes follow `optimize` */
  readonly passes?: OptimizationPasses;
}

/**
 * Default {@link CompileOptions.sizeBudget}: one extra dispatch test for every five of the
 * smallest plan. On crosvm-sized policies (40–80 dispatch tests) it never binds: cost
 * planning adds 2–4%. It binds on tiny blocks, where one extra test is a large share of the
 * program: a block of four singly-tested syscalls stays at its smallest size.
 */
export const defaultSizeBudget = 0.2;

/** Every {@link ActionWord}, the words `--default-action` takes as they are (the record keeps the list complete). */
const defaultActionWords: ReadonlySet<string> = new Set(
  Object.keys({ allow: true, kill: true, 'kill-process': true, 'kill-thread': true, trap: true, trace: true, log: true, 'user-notify': true } satisfies Record<ActionWord, true>),
);

/**
 * The largest errno a `return N` action may give (the kernel's `MAX_ERRNO`): the kernel caps a
 * larger errno at 4095, and an errno of 0 makes a denied call look successful, so errno values
 * outside `1..maxErrno` are refused instead of being masked.
 */
export const maxErrno = 4095;

/**
 * Parses a `--default-action` value: an action word, or `return N` / `errno N` with a number.
 * Returns `undefined` for anything else, including an errno outside `1..`{@link maxErrno}.
 */
export function parseDefaultActionOption(text: string): DefaultActionOption | undefined {
  const trimmed = text.trim();
  if (defaultActionWords.has(trimmed)) return trimmed as DefaultActionOption;
  const match = /^(?:return|errno)\s+(0x[0-9a-fA-F]+|[0-9]+)$/.exec(trimmed);
  if (!match?.[1]) return undefined;
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value) || value < 1 || value > maxErrno) return undefined;
  return { errno: value };
}
