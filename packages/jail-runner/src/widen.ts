/**
 * Widening a conditional rule by exactly one call: the rule's text with one more `||` clause that
 * matches the call's values and nothing the rule did not match before except them. The violation
 * advice writes it for the rule a killed call missed; a learn run's merge can write it for a rule
 * a starting policy already has. Text in, text out: the rule's own spelling (constant names,
 * comments, continuation lines) stays as written.
 */
import { type ArchTable, formatPolicyValue } from '@syscage/arch-tables';
import type { ResolvedRule } from '@syscage/include-resolver';

/** What {@link widenRule} adds to a rule. */
export interface WidenRuleRequest {
  /** The conditional rule to widen, as resolved (its condition's syntax tree and where it is). */
  readonly rule: ResolvedRule;
  /** The whole text of the file holding the rule (`rule.origin.file`). */
  readonly text: string;
  /** The syscall the rule is for: names the values of its arguments. */
  readonly syscall: string;
  /** The architecture's table, for constant names. */
  readonly table: ArchTable;
  /** The arguments the new clause compares, each with exactly the call's value (`argN == value`). */
  readonly values: readonly { readonly arg: number; readonly value: bigint }[];
  /**
   * A clause of the rule whose comparisons the new clause repeats, except those on the arguments
   * in `values`, which it replaces (the comparisons the call passed stay as written).
   * @defaultValue none: the new clause is the comparisons of `values` alone
   */
  readonly basedOn?: number;
}

/** A widened rule. */
export interface WidenedRule {
  /** The clause added, e.g. `arg0 == AF_INET6`. */
  readonly clause: string;
  /** The rule's whole statement with the clause added, e.g. `socket: arg0 == AF_UNIX || arg0 == AF_INET6`. */
  readonly statement: string;
}

/**
 * The rule with one clause more, which matches exactly the given values (and, with `basedOn`, the
 * comparisons of that clause the call passed). `undefined` for a rule without a condition or with
 * nothing to add.
 */
export function widenRule(request: WidenRuleRequest): WidenedRule | undefined {
  const { rule, text, syscall, table, values } = request;
  const condition = rule.filter.condition;
  if (condition === undefined || values.length === 0) return undefined;
  const exact = (arg: number, value: bigint): string => `arg${arg} == ${formatPolicyValue(table, syscall, arg, value)}`;
  const replaced = new Map(values.map(({ arg, value }) => [arg, value]));
  const base = request.basedOn === undefined ? undefined : condition.clauses[request.basedOn];
  const parts: string[] = [];
  if (base !== undefined) {
    for (const atom of base.atoms) {
      const value = replaced.get(atom.argIndex);
      if (value === undefined) parts.push(text.slice(atom.range.start.offset, atom.range.end.offset));
      else if (!parts.includes(exact(atom.argIndex, value))) parts.push(exact(atom.argIndex, value));
    }
  }
  for (const { arg, value } of values) if (!parts.includes(exact(arg, value))) parts.push(exact(arg, value));
  const clause = parts.join(' && ');
  const { at, insert } = clauseInsertion(rule, clause) ?? { at: condition.range.end.offset, insert: '' };
  const start = rule.origin.range.start.offset;
  const statement = `${text.slice(start, at)}${insert}${text.slice(at, rule.origin.range.end.offset)}`;
  return { clause, statement };
}

/**
 * Where and what to insert in the file of a conditional rule so that it also matches `clause`
 * (a condition of `||`-joined `&&` clauses): ` || clause` right after the rule's condition, so
 * its action, a trailing comment and the rest of the line stay as written. `undefined` for a
 * rule without a condition (it already matches every call).
 */
export function clauseInsertion(rule: ResolvedRule, clause: string): { readonly at: number; readonly insert: string } | undefined {
  const condition = rule.filter.condition;
  return condition === undefined ? undefined : { at: condition.range.end.offset, insert: ` || ${clause}` };
}
