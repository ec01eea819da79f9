/** Human-readable reports of a jailed run: the violation that killed it, or what log mode saw. */
import { formatCall } from '@syscage/arch-tables';
import { type JailPolicy, adviseViolation } from './advice.js';
import { SECCOMP_RET_ACTION_FULL, SECCOMP_RET_KILL_THREAD } from '@syscage/bpf-codegen';
import { errnoName } from './errors.js';
import type { JailResult, ObservedCall, SyscallId, Violation } from './run.js';
import { archTableForAudit } from './tables.js';

/**
 * Calls glibc's dynamic loader makes before `main`: a kill at one of them usually means the
 * program never reached its own code.
 */
const LOADER_SYSCALLS: ReadonlySet<string> = new Set([
  'execve', 'brk', 'arch_prctl', 'mmap', 'mmap2', 'mprotect', 'munmap', 'access', 'faccessat', 'faccessat2',
  'openat', 'open', 'newfstatat', 'fstat', 'fstat64', 'statx', 'close', 'read', 'pread64', 'set_tid_address',
  'set_robust_list', 'rseq', 'prlimit64', 'getrandom', 'set_thread_area',
]);

function syscallLabel(syscall: SyscallId): string {
  return syscall.name === undefined ? `syscall ${syscall.nr}` : `${syscall.name} (${syscall.nr})`;
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

/** A call with its arguments, values named where the call's architecture table knows them (`0x5401=TCGETS`). */
function callText(syscall: SyscallId, arch: number, args: readonly bigint[]): string {
  const table = syscall.name === undefined ? undefined : archTableForAudit(arch);
  return table === undefined || syscall.name === undefined
    ? `${syscall.name ?? `syscall_${syscall.nr}`}(${args.map(hex).join(', ')})`
    : formatCall(table, syscall.name, args);
}

/** Options of {@link formatViolation}. */
export interface ViolationReportOptions {
  /**
   * The policy the filter was compiled from: the advice then names the rules the call missed,
   * the values that failed and the rule widened by them.
   * @defaultValue none: the advice can only name the syscall
   */
  readonly policy?: JailPolicy;
  /**
   * How the advice shows a policy file's path (e.g. relative to the working directory).
   * @defaultValue the path as resolved (absolute)
   */
  readonly showPath?: (path: string) => string;
}

/** What a `wouldBe` action means in words. */
function actionText(call: ObservedCall): string {
  if (call.wouldBe === undefined) return 'would be denied';
  const { action, data } = call.wouldBe;
  if (action === 'errno') return `would fail with ${errnoName(data)}`;
  if (action === 'user-notify') return 'is not allowed';
  return `would ${action}`;
}

/** The report for a filter kill: which call, where, and what to do about it. */
export function formatViolation(violation: Violation, command: string, options: ViolationReportOptions = {}): string {
  const killed = ((violation.returnValue & SECCOMP_RET_ACTION_FULL) >>> 0) === SECCOMP_RET_KILL_THREAD ? 'a thread of ' : '';
  const lines = [
    `${killed}${command} (pid ${violation.pid}) was killed by the seccomp filter at ${syscallLabel(violation.syscall)}` +
      (violation.instructionPointer === undefined ? '' : `, ip ${hex(violation.instructionPointer)}`),
  ];
  if (violation.exe !== undefined) lines.push(`  executable: ${violation.exe}`);
  if (violation.beforeExec) {
    lines.push('  the target never started: the policy must allow execve (the filter covers the launch itself)');
  } else if (violation.syscall.name !== undefined && LOADER_SYSCALLS.has(violation.syscall.name)) {
    lines.push(`  ${violation.syscall.name} is a call the dynamic loader makes: the program may have died before its main`);
  }
  if (violation.args !== undefined) lines.push(`  the call: ${callText(violation.syscall, violation.arch, violation.args)}`);
  lines.push(...adviseViolation(violation, archTableForAudit(violation.arch), options.policy, options.showPath));
  if (violation.args === undefined) lines.push('  (the kernel log has no arguments; `--mode log` runs to the end and shows them)');
  return `${lines.join('\n')}\n`;
}

/** The report of a log or learn run: each syscall the filter would have stopped, with an example call. */
export function formatObservedCalls(calls: readonly ObservedCall[]): string {
  if (calls.length === 0) return 'no call was outside the policy\n';
  const groups = new Map<string, ObservedCall[]>();
  for (const call of calls) {
    const key = `${call.arch}:${call.syscall.nr}`;
    const list = groups.get(key);
    if (list) list.push(call);
    else groups.set(key, [call]);
  }
  const lines = [`${calls.length} call${calls.length === 1 ? '' : 's'} of ${groups.size} syscall${groups.size === 1 ? '' : 's'} outside the policy:`];
  for (const list of groups.values()) {
    const first = list[0];
    if (!first) continue;
    lines.push(
      `  ${syscallLabel(first.syscall)} x${list.length} ${actionText(first)}; first: ${callText(first.syscall, first.arch, first.args)} in thread ${first.tid}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The whole report of a run for stderr, or `''` when there is nothing to say. */
export function formatJailReport(result: JailResult, command: string, options: Pick<ViolationReportOptions, 'showPath'> = {}): string {
  if (result.mode !== 'enforce') return formatObservedCalls(result.calls);
  const ended = result.killedAfterThreadKill
    ? '  the rest of the process did not end after that thread was killed, so the runner killed it (SIGKILL)\n'
    : '';
  if (result.violation) {
    return `${formatViolation(result.violation, command, { ...options, ...(result.policy === undefined ? {} : { policy: result.policy }) })}${ended}`;
  }
  if (result.signal === 'SIGSYS') {
    return (
      `${command} died of SIGSYS, but the call is unknown (${result.violationUnknownReason ?? 'no kernel log record'}).\n` +
      '  If it died before its main, the policy may lack execve or a call of the dynamic loader.\n'
    );
  }
  return '';
}
