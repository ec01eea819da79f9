/**
 * The reference semantics of a lowered policy, without BPF: what a syscall with given number,
 * architecture and arguments gets, and which rule decided it. Compiled programs are tested
 * against this (emulating the program must give the same action), and `syscage explain` shows
 * its answer.
 */
import type { RuleOrigin } from '@syscage/include-resolver';
import type { LoweredComparison, LoweredPolicy, LoweredSyscall } from './lower.js';
import type { SeccompAction } from './options.js';

/** The input of one syscall, as in `struct seccomp_data` (instruction pointer not used). */
export interface SyscallInput {
  /** The syscall number, in the numbering of {@link SyscallInput.arch}. */
  readonly nr: number;
  /** The caller's `AUDIT_ARCH_*` value; one other than the policy's gets the arch-mismatch action. */
  readonly arch: number;
  /** Up to six 64-bit arguments; missing ones are 0. */
  readonly args: readonly bigint[];
}

/** Why the reference gave its answer. */
export type Decision =
  | { readonly kind: 'arch-mismatch' }
  | { readonly kind: 'invalid-number' }
  | { readonly kind: 'default' }
  | { readonly kind: 'rule'; readonly syscall: string; readonly origin: RuleOrigin; readonly filterIndex?: number }
  | { readonly kind: 'fallback-default'; readonly syscall: string };

/** The action a syscall gets and why. */
export interface ReferenceResult {
  /** The action the policy gives the syscall: what the compiled program must return. */
  readonly action: SeccompAction;
  /** Why: the arch check, an invalid number, the default, or the rule (with its origin) that matched. */
  readonly decision: Decision;
}

const mask64 = (1n << 64n) - 1n;

/** Evaluates one comparison with Minijail's semantics on a word-sized argument value. */
export function evaluateComparison(comparison: LoweredComparison, argument: bigint, bits: 32 | 64): boolean {
  const wordMask = bits === 64 ? mask64 : 0xffffffffn;
  const value = argument & wordMask;
  const constant = comparison.value & wordMask;
  switch (comparison.operator) {
    case '==':
      return value === constant;
    case '!=':
      return value !== constant;
    case '>':
      return value > constant;
    case '>=':
      return value >= constant;
    case '<':
      return value < constant;
    case '<=':
      return value <= constant;
    case '&':
      return (value & constant) !== 0n;
    case 'in':
      return (value & ~constant & wordMask) === 0n;
  }
}

/** True when `nr` is a syscall number of the policy's architecture table. */
export function isValidNumber(policy: LoweredPolicy, nr: number): boolean {
  return policy.arch.names.has(nr >>> 0);
}

/** The listed syscall with this number, if any (binary search). */
export function findSyscall(policy: LoweredPolicy, nr: number): LoweredSyscall | undefined {
  const syscalls = policy.syscalls;
  let low = 0;
  let high = syscalls.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = syscalls[middle];
    if (candidate === undefined) break;
    if (candidate.number === nr) return candidate;
    if (candidate.number < nr) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** What the syscall's own filters decide for these arguments. */
export function evaluateSyscall(policy: LoweredPolicy, syscall: LoweredSyscall, args: readonly bigint[]): ReferenceResult {
  const bits = policy.arch.bits;
  for (const [filterIndex, filter] of syscall.filters.entries()) {
    const matched = filter.clauses.some((clause) =>
      clause.every((comparison) => evaluateComparison(comparison, args[comparison.arg] ?? 0n, bits)),
    );
    if (matched) {
      return { action: filter.action, decision: { kind: 'rule', syscall: syscall.name, origin: filter.origin, filterIndex } };
    }
  }
  const fallbackOrigin = syscall.fallback.origin;
  return fallbackOrigin === undefined
    ? { action: syscall.fallback.action, decision: { kind: 'fallback-default', syscall: syscall.name } }
    : { action: syscall.fallback.action, decision: { kind: 'rule', syscall: syscall.name, origin: fallbackOrigin } };
}

/** What a lowered policy says a syscall gets: the reference every compiled program must match. */
export function evaluatePolicy(policy: LoweredPolicy, input: SyscallInput): ReferenceResult {
  if (input.arch >>> 0 !== policy.arch.auditArch) {
    return { action: policy.archMismatchAction, decision: { kind: 'arch-mismatch' } };
  }
  const nr = input.nr >>> 0;
  if (!isValidNumber(policy, nr)) return { action: policy.invalidNumberAction, decision: { kind: 'invalid-number' } };
  const syscall = findSyscall(policy, nr);
  if (syscall === undefined) return { action: policy.defaultAction, decision: { kind: 'default' } };
  return evaluateSyscall(policy, syscall, input.args);
}
