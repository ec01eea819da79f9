/**
 * Turning the calls a learn run observed into policy text: one rule per syscall, with an
 * argument condition where the syscall has a selector argument (an ioctl request, a socket
 * family, a prctl option, …) and the run used few distinct values of it.
 */
import { type ArchTable, formatPolicyValue, selectorArgument } from '@syscage/arch-tables';
import type { BpfProgram } from '@syscage/bpf-codegen';
import {
  BPF_JEQ_K,
  BPF_LD_W_ABS,
  BPF_RET_K,
  SECCOMP_DATA_ARCH,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_USER_NOTIF,
} from './bpf-values.js';
import type { ObservedCall } from './run.js';

/**
 * Syscalls a program makes only under contention, so one run rarely shows them, and the
 * syscall whose presence means they can happen: a thread that takes a contended lock spins,
 * then yields (`sched_yield`), then waits (`futex`).
 */
const COMPANIONS: readonly { readonly when: string; readonly add: string; readonly why: string }[] = [
  { when: 'futex', add: 'sched_yield', why: 'lock users yield when a lock is contended' },
];

/** Options of {@link proposeRules}. */
export interface ProposeOptions {
  /**
   * Most distinct selector values for which a condition is written; more give a plain `1`.
   * @defaultValue `8`
   */
  readonly maxValues?: number;
  /**
   * A comment line written above the rules (without `#`).
   * @defaultValue none
   */
  readonly header?: string;
  /**
   * Whether the starting filter already allows a syscall unconditionally; companions it
   * allows are not proposed again.
   * @defaultValue nothing is allowed
   */
  readonly isAllowed?: (syscall: string) => boolean;
}

/** One proposed rule. */
export interface ProposedRule {
  /** The syscall name, as the policy line starts (`ioctl`). */
  readonly syscall: string;
  /** The filter expression (`1`, or `arg1 == TCGETS || arg1 == TIOCGWINSZ`). */
  readonly filter: string;
  /** How many calls the run made (0 for a companion that was not seen). */
  readonly calls: number;
  /**
   * Why an unseen syscall is proposed (see the companions note in the README); it is written as
   * a comment above the rule. Absent for a syscall the run made.
   */
  readonly reason?: string;
}

/** The proposal: rules in first-seen order, the policy text, and calls that could not be named. */
export interface Proposal {
  /** One rule per named syscall in first-seen order, then the unseen companions. */
  readonly rules: readonly ProposedRule[];
  /**
   * The rules as policy text: the optional `# header` line, then one `syscall: filter` line per
   * rule (companions preceded by a `# reason` comment), newline-terminated; empty when no rule.
   */
  readonly text: string;
  /** Calls of another architecture or with numbers the table does not name. */
  readonly unnamed: readonly ObservedCall[];
}

/** Groups observed calls per syscall and writes one rule for each. */
export function proposeRules(calls: readonly ObservedCall[], table: ArchTable, options: ProposeOptions = {}): Proposal {
  const maxValues = options.maxValues ?? 8;
  const perSyscall = new Map<string, ObservedCall[]>();
  const unnamed: ObservedCall[] = [];
  for (const call of calls) {
    const name = call.syscall.name;
    if (name === undefined || call.arch !== table.auditArch) {
      unnamed.push(call);
      continue;
    }
    const list = perSyscall.get(name);
    if (list) list.push(call);
    else perSyscall.set(name, [call]);
  }
  const rules: ProposedRule[] = [];
  for (const [syscall, list] of perSyscall) {
    const selector = selectorArgument(syscall);
    let filter = '1';
    if (selector !== undefined) {
      const mask = table.bits === 32 ? 0xffffffffn : 0xffffffffffffffffn;
      const values = [...new Set(list.map((call) => (call.args[selector] ?? 0n) & mask))].sort((a, b) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      if (values.length <= maxValues) {
        filter = values.map((value) => `arg${selector} == ${formatPolicyValue(table, syscall, selector, value)}`).join(' || ');
      }
    }
    rules.push({ syscall, filter, calls: list.length });
  }
  for (const companion of COMPANIONS) {
    if (
      perSyscall.has(companion.when) &&
      !perSyscall.has(companion.add) &&
      companion.add in table.syscalls &&
      options.isAllowed?.(companion.add) !== true
    ) {
      rules.push({ syscall: companion.add, filter: '1', calls: 0, reason: `not seen, but ${companion.why}` });
    }
  }
  const lines: string[] = [];
  if (options.header !== undefined) lines.push(`# ${options.header}`);
  for (const rule of rules) {
    if (rule.reason !== undefined) lines.push(`# ${rule.syscall}: ${rule.reason}`);
    lines.push(`${rule.syscall}: ${rule.filter}`);
  }
  return { rules, text: lines.length === 0 ? '' : `${lines.join('\n')}\n`, unnamed };
}

/**
 * The learn-mode filter when there is no starting policy: every call of the host architecture
 * goes to the supervisor; calls of any other architecture are killed.
 */
export function notifyEverythingProgram(table: ArchTable): BpfProgram {
  return [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: SECCOMP_DATA_ARCH },
    { code: BPF_JEQ_K, jt: 1, jf: 0, k: table.auditArch },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_KILL_PROCESS },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_USER_NOTIF },
  ];
}
