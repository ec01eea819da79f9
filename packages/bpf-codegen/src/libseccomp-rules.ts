/**
 * The rule description the libseccomp bridge (`tools/libseccomp-bridge.py`, run through
 * {@link compileWithLibseccomp} on the `./libseccomp` entry) compiles, its reference meaning,
 * and the translation of a lowered policy into it (how the benchmark's `libseccomp-opt2` peer
 * expresses Minijail rules: `in V` as masked-equal(~V, 0), `& V` as one masked-equal per set
 * bit, `||` as separate rules). Pure: no Node modules.
 */
import type { LoweredComparison, LoweredPolicy } from './lower.js';
import type { SeccompAction } from './options.js';

/** One libseccomp argument comparison (`SCMP_CMP_*`); values are u64 (decimal in JSON). */
export interface LibseccompCondition {
  /** Index of the syscall argument compared (0 to 5). */
  readonly arg: number;
  /** libseccomp's comparison (`SCMP_CMP_EQ`, `SCMP_CMP_NE`, …, `SCMP_CMP_MASKED_EQ`), lower-cased. */
  readonly op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'masked_eq';
  /** The operand, unsigned 64-bit (for `masked_eq`, what the masked argument must equal). */
  readonly value: bigint;
  /** For `masked_eq`: the test is `(arg & mask) == value`. */
  readonly mask?: bigint;
}

/** One `seccomp_rule_add` call: the action when every condition holds. */
export interface LibseccompRule {
  /** Syscall name as libseccomp knows it. */
  readonly syscall: string;
  /** What a matching call gets. */
  readonly action: SeccompAction;
  /** Conditions that must all hold (libseccomp ANDs a rule's conditions); empty for an unconditional rule. */
  readonly conditions: readonly LibseccompCondition[];
}

/** A whole filter for the bridge. */
export interface LibseccompRequest {
  /** libseccomp's architecture name: `x86_64`, `x86`, `aarch64`, `arm`, `riscv64`. */
  readonly arch: string;
  /** `seccomp_init`'s default: what calls no rule matches get. */
  readonly defaultAction: SeccompAction;
  /** `SCMP_FLTATR_ACT_BADARCH`; libseccomp's own default (kill-thread) when absent. */
  readonly badArchAction?: SeccompAction;
  /**
   * `SCMP_FLTATR_CTL_OPTIMIZE`: 1 (priority order) or 2 (binary tree).
   * @defaultValue 2
   */
  readonly optimize?: 1 | 2;
  /** One `seccomp_rule_add` call per entry. */
  readonly rules: readonly LibseccompRule[];
}

/** libseccomp's name of one of our architecture names (`i386` is `x86`). */
export function libseccompArchName(arch: string): string {
  return arch === 'i386' ? 'x86' : arch;
}

/** The JSON the bridge reads (u64 values as decimal strings). */
export function libseccompRequestJson(request: LibseccompRequest): string {
  return JSON.stringify(request, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

function holds(condition: LibseccompCondition, value: bigint): boolean {
  switch (condition.op) {
    case 'eq':
      return value === condition.value;
    case 'ne':
      return value !== condition.value;
    case 'lt':
      return value < condition.value;
    case 'le':
      return value <= condition.value;
    case 'gt':
      return value > condition.value;
    case 'ge':
      return value >= condition.value;
    case 'masked_eq':
      return (value & (condition.mask ?? 0n)) === condition.value;
  }
}

/**
 * What a request means for one call, without BPF: the action of a rule for `syscall` whose
 * conditions all hold (the first such rule; requests whose matching rules disagree have no
 * single meaning in libseccomp and are not evaluated faithfully), else the default action.
 * Argument values are reduced to `bits` bits as the kernel passes them.
 */
export function evaluateLibseccompRequest(
  request: LibseccompRequest,
  syscall: string,
  args: readonly bigint[],
  bits: 32 | 64 = 64,
): SeccompAction {
  for (const rule of request.rules) {
    if (rule.syscall !== syscall) continue;
    if (rule.conditions.every((condition) => holds(condition, BigInt.asUintN(bits, args[condition.arg] ?? 0n)))) return rule.action;
  }
  return request.defaultAction;
}

/** libseccomp's name of each plain comparison (one condition, the value compared whole). */
const libseccompOperators = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' } as const;

/** Alternatives (ORed lists of ANDed conditions) expressing one Minijail comparison. */
export function conditionAlternatives(comparison: LoweredComparison, bits: 32 | 64): LibseccompCondition[][] {
  const { arg, value } = comparison;
  const full = (1n << BigInt(bits)) - 1n;
  switch (comparison.operator) {
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return [[{ arg, op: libseccompOperators[comparison.operator], value }]];
    case 'in':
      return [[{ arg, op: 'masked_eq', mask: full & ~value, value: 0n }]];
    case '&': {
      const alternatives: LibseccompCondition[][] = [];
      for (let bit = 0n; bit < BigInt(bits); bit++) {
        const mask = 1n << bit;
        if ((value & mask) !== 0n) alternatives.push([{ arg, op: 'masked_eq', mask, value: mask }]);
      }
      return alternatives;
    }
  }
}

/** A syscall of the policy that libseccomp's rule model cannot express faithfully. */
export interface LibseccompSkip {
  /** The syscall name left out. */
  readonly syscall: string;
  /** Why libseccomp's rule model cannot express its filters (one lower-case clause). */
  readonly reason: string;
}

/** The outcome of {@link libseccompRequestFromPolicy}. */
export interface LibseccompTranslation {
  /** The filter to build with libseccomp, without the skipped syscalls. */
  readonly request: LibseccompRequest;
  /** Syscalls left out (their calls get the default action in libseccomp's filter). */
  readonly skipped: readonly LibseccompSkip[];
}

/**
 * Expresses a lowered policy as libseccomp rules, the way the benchmark's peer does. A syscall
 * is left out (and listed in `skipped`) when its filters have different actions, when
 * conditional filters fall back to an action other than the default (libseccomp rules have no
 * order, so neither can be expressed), or when a rule would compare one argument twice
 * (libseccomp refuses that with `EINVAL`).
 */
export function libseccompRequestFromPolicy(
  policy: LoweredPolicy,
  options: { readonly optimize?: 1 | 2 } = {},
): LibseccompTranslation {
  const bits = policy.arch.bits;
  const rules: LibseccompRule[] = [];
  const skipped: LibseccompSkip[] = [];
  const same = (a: SeccompAction, b: SeccompAction): boolean => a.kind === b.kind && (a.errno ?? 0) === (b.errno ?? 0);
  for (const syscall of policy.syscalls) {
    const { filters, fallback } = syscall;
    if (filters.length === 0) {
      if (!same(fallback.action, policy.defaultAction)) rules.push({ syscall: syscall.name, action: fallback.action, conditions: [] });
      continue;
    }
    const first = filters[0];
    if (!first || filters.some((filter) => !same(filter.action, first.action))) {
      skipped.push({ syscall: syscall.name, reason: 'its filters have different actions' });
      continue;
    }
    if (!same(fallback.action, policy.defaultAction)) {
      skipped.push({ syscall: syscall.name, reason: 'its conditional filters fall back to an action other than the default' });
      continue;
    }
    const syscallRules: LibseccompRule[] = [];
    for (const filter of filters) {
      for (const clause of filter.clauses) {
        let products: LibseccompCondition[][] = [[]];
        for (const comparison of clause) {
          const alternatives = conditionAlternatives(comparison, bits);
          products = products.flatMap((prefix) => alternatives.map((alternative) => [...prefix, ...alternative]));
        }
        for (const conditions of products) syscallRules.push({ syscall: syscall.name, action: filter.action, conditions });
      }
    }
    if (syscallRules.some((rule) => new Set(rule.conditions.map((c) => c.arg)).size !== rule.conditions.length)) {
      skipped.push({ syscall: syscall.name, reason: 'a rule compares one argument twice, which libseccomp refuses' });
      continue;
    }
    rules.push(...syscallRules);
  }
  return {
    request: {
      arch: libseccompArchName(policy.arch.name),
      defaultAction: policy.defaultAction,
      badArchAction: policy.archMismatchAction,
      optimize: options.optimize ?? 2,
      rules,
    },
    skipped,
  };
}
