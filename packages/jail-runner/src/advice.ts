/**
 * What to do about a filter kill, from the policy the filter was compiled from: which of the
 * syscall's rules the call missed (file:line), which argument values failed which comparison, and
 * the one rule to change, widened by exactly the failing values. Never "allow the whole
 * syscall" when the policy allows it only for some arguments: that drops the conditions (SC2011).
 */
import { type ArchTable, formatArgumentValue, formatPolicyValue, selectorArgument } from '@syscage/arch-tables';
import {
  type LoweredComparison,
  type LoweredFilter,
  type LoweredPolicy,
  evaluateComparison,
  evaluateSyscall,
  findSyscall,
  formatAction,
} from '@syscage/bpf-codegen';
import type { ResolvedPolicy, ResolvedRule, RuleOrigin } from '@syscage/include-resolver';
import type { Violation } from './run.js';
import { widenRule } from './widen.js';

/** The policy a run's filter was compiled from: what the advice after a violation reads. */
export interface JailPolicy {
  /** The policy as resolved (rules with their syntax trees, every file's text). */
  readonly resolved: ResolvedPolicy;
  /** The policy lowered for the host's architecture (what the filter was compiled from). */
  readonly lowered: LoweredPolicy;
}

/** A filter's closest miss: the clause with the fewest failed comparisons. */
interface Miss {
  readonly filter: LoweredFilter;
  readonly clause: number;
  readonly failed: readonly LoweredComparison[];
}

function closestMiss(filter: LoweredFilter, args: readonly bigint[], bits: 32 | 64): Miss {
  let best: Miss = { filter, clause: 0, failed: filter.clauses[0] ?? [] };
  filter.clauses.forEach((clause, index) => {
    const failed = clause.filter((comparison) => !evaluateComparison(comparison, args[comparison.arg] ?? 0n, bits));
    if (failed.length < best.failed.length) best = { filter, clause: index, failed };
  });
  return best;
}

/** The resolved rule a lowered filter came from (filters of one `{…}` statement share an origin). */
function ruleOf(resolved: ResolvedPolicy, syscall: string, filters: readonly LoweredFilter[], filter: LoweredFilter): ResolvedRule | undefined {
  const nth = filters.slice(0, filters.indexOf(filter)).filter((other) => other.origin === filter.origin).length;
  const rules = resolved.syscalls
    .filter((entry) => entry.name === syscall)
    .flatMap((entry) => entry.rules)
    .filter((rule) => rule.origin === filter.origin && rule.filter.condition !== undefined);
  return rules[nth];
}

/** How report paths are shown (the CLI shows them relative to the working directory). */
type ShowPath = (path: string) => string;

/** The statement as written, on one line (continuations joined). */
function statementText(resolved: ResolvedPolicy, origin: RuleOrigin): string | undefined {
  const text = resolved.files.find((file) => file.path === origin.file)?.text;
  return text?.slice(origin.range.start.offset, origin.range.end.offset).replace(/\\\n\s*/g, '').replace(/\s+/g, ' ');
}

function comparisonText(table: ArchTable, syscall: string, comparison: LoweredComparison): string {
  return `arg${comparison.arg} ${comparison.operator} ${formatPolicyValue(table, syscall, comparison.arg, comparison.value)}`;
}

/**
 * The advice lines of a violation report (each starting with two spaces): the rule to add for a
 * syscall the policy does not list, or for one it lists with conditions, the rules the call
 * missed, the values that failed and the rule widened by exactly those values.
 */
export function adviseViolation(
  violation: Violation,
  table: ArchTable | undefined,
  policy: JailPolicy | undefined,
  showPath: ShowPath = (path) => path,
): string[] {
  const where = (origin: RuleOrigin): string => `${showPath(origin.file)}:${origin.range.start.line}`;
  const name = violation.syscall.name;
  if (name === undefined) return [];
  const args = violation.args;
  const selector = selectorArgument(name);
  const fresh =
    args !== undefined && selector !== undefined && table !== undefined
      ? `${name}: arg${selector} == ${formatPolicyValue(table, name, selector, args[selector] ?? 0n)}`
      : `${name}: 1`;
  const syscall =
    policy !== undefined && violation.arch === policy.lowered.arch.auditArch ? findSyscall(policy.lowered, violation.syscall.nr) : undefined;
  if (policy === undefined || table === undefined || syscall === undefined) return [`  to allow it, add:  ${fresh}`];
  const { resolved, lowered } = policy;
  const conditional = syscall.filters;
  if (args === undefined) {
    if (conditional.length === 0) return [`  to allow it, add:  ${fresh}`];
    return [
      `  ${name} is allowed only with conditions; the report has no arguments to tell which failed (\`--mode log\` shows them):`,
      ...conditional.map((filter) => `    ${where(filter.origin)}: ${statementText(resolved, filter.origin) ?? name}`),
    ];
  }
  const decided = evaluateSyscall(lowered, syscall, args);
  if (decided.decision.kind === 'rule') {
    // A rule matched and its action is what stopped the call: say which one.
    const origin = decided.decision.origin;
    return [
      `  the rule at ${where(origin)} matched this call and says ${formatAction(decided.action)}:`,
      `    ${statementText(resolved, origin) ?? name}`,
    ];
  }
  if (conditional.length === 0) return [`  to allow it, add:  ${fresh}`];
  const lines = [`  no rule for ${name} matched this call:`];
  const misses = conditional.map((filter) => closestMiss(filter, args, lowered.arch.bits));
  for (const miss of misses) {
    lines.push(`    ${where(miss.filter.origin)}: ${statementText(resolved, miss.filter.origin) ?? name}`);
    const failed = miss.failed.map(
      (comparison) =>
        `${comparisonText(table, name, comparison)} (arg${comparison.arg} is ${formatArgumentValue(table, name, comparison.arg, args[comparison.arg] ?? 0n)})`,
    );
    lines.push(`      failed: ${failed.join(', ')}`);
  }
  // Widen the allowing rule the call came closest to, by exactly the values that failed it.
  const allowing = misses.filter((miss) => miss.filter.action.kind === 'allow');
  const target = allowing.reduce<Miss | undefined>((best, miss) => (best === undefined || miss.failed.length < best.failed.length ? miss : best), undefined);
  const rule = target === undefined ? undefined : ruleOf(resolved, name, conditional, target.filter);
  const text = rule === undefined ? undefined : resolved.files.find((file) => file.path === rule.origin.file)?.text;
  const values = [...new Set(target?.failed.map((comparison) => comparison.arg))].map((arg) => ({ arg, value: args[arg] ?? 0n }));
  const widened =
    rule === undefined || text === undefined || target === undefined
      ? undefined
      : widenRule({ rule, text, syscall: name, table, values, basedOn: target.clause });
  if (widened === undefined || target === undefined) {
    lines.push(`  to allow this call, add a condition for it, e.g.:  ${fresh}`);
  } else {
    lines.push(`  to allow this call, add \`${widened.clause}\` to the rule at ${where(target.filter.origin)}:`);
    lines.push(`    ${widened.statement.replace(/\\\n\s*/g, '').replace(/\s+/g, ' ')}`);
  }
  return lines;
}
