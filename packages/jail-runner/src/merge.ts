/**
 * Merging learned rules into the starting policy in place: a syscall the policy already allows
 * on conditions gets its rule widened on the same line by exactly the observed values (one more
 * `||` clause), so the file never names a syscall twice (libminijail's parser rejects that);
 * a syscall the policy does not mention is added, grouped and commented as `learn` writes it.
 * With a frequency file to name, the policy's own `@frequency` statement names it instead of the
 * one it named (a second statement would add the old counts to the run's); without one, the
 * `@frequency` line goes under the header of the added rules.
 * Everything else in the file stays as it was, byte for byte. What cannot be merged safely (a
 * rule in an included file, a policy that denies the syscall on purpose, a statement shared by
 * several syscalls) is an error naming the rule and the clause to add, and nothing is written.
 */
import type { ResolvedPolicy, ResolvedRule } from '@syscage/include-resolver';
import { type Diagnostic, type SourceRange, parsePolicy } from '@syscage/policy-parser';
import { type ProposeOptions, type Proposal, type ProposedRule, proposalTexts } from './learn.js';
import { diagnostic } from './logs.js';
import { clauseInsertion } from './widen.js';

/** A rule of the starting policy that the merge widened. */
export interface WidenedInPlace {
  /** The syscall. */
  readonly syscall: string;
  /** Where the rule's statement is (the starting policy's own file). */
  readonly range: SourceRange;
  /** The clause added with `||`: the observed values (`arg0 == 3`). */
  readonly clause: string;
}

/** What {@link mergeProposal} made. */
export interface MergedPolicy {
  /**
   * The starting policy's text with the widened rules and the added ones; `undefined` when a
   * rule could not be merged (an error in `diagnostics`): nothing should be written then.
   */
  readonly text: string | undefined;
  /** The rules widened in place, in file order. */
  readonly widened: readonly WidenedInPlace[];
  /** The rules added for syscalls the starting policy does not mention, as written. */
  readonly added: readonly ProposedRule[];
  /** Why a rule could not be merged (SC5016–SC5018), at the starting policy's rule. */
  readonly diagnostics: readonly Diagnostic[];
}

/** What {@link mergeProposal} merges. */
export interface MergeRequest {
  /** The starting policy as resolved (its rules with where they are, every file's text). */
  readonly resolved: ResolvedPolicy;
  /** The rules the run proposed for what the starting policy did not allow. */
  readonly proposal: Proposal;
  /**
   * How the added rules are written: the header above them, the `@frequency` line, the
   * arguments a syscall's rule compares (the same options the proposal was made with).
   * @defaultValue no header, no `@frequency` line
   */
  readonly options?: Pick<ProposeOptions, 'header' | 'frequencyPath' | 'extraArguments'>;
}

const isAllow = (rule: ResolvedRule): boolean => rule.filter.action.kind === 'action' && rule.filter.action.action === 'allow';

/** `file:line:col` of a rule's statement. */
const at = (rule: ResolvedRule): string => `${rule.origin.file}:${rule.origin.range.start.line}:${rule.origin.range.start.column}`;

/**
 * The starting policy with the proposal merged in: each proposed condition for a syscall the
 * policy allows on conditions is added with `||` to the last such rule (it stays the rule's
 * only line, and its action, `; return N` and trailing comment stay); the other proposed rules
 * are appended after the policy, under the header. A syscall the policy allows unconditionally
 * needs nothing, and a rule the run wrote without observing the syscall
 * (`clone3: return ENOSYS`) is not added where the policy already has rules for it. The rules' conditions are
 * the observed values on every argument the policy's rules compare, so no rule is widened
 * further than what was observed, and never to `1`.
 */
export function mergeProposal(request: MergeRequest): MergedPolicy {
  const { resolved, proposal } = request;
  const entryText = resolved.files.find((file) => file.path === resolved.entry)?.text ?? '';
  /** `insert` at `at`, in place of the `remove` characters there (none by default). */
  const edits: { readonly at: number; readonly insert: string; readonly remove?: number }[] = [];
  const widened: WidenedInPlace[] = [];
  const added: ProposedRule[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const proposed of proposal.rules) {
    const rules = resolved.syscalls.filter((entry) => entry.name === proposed.syscall && entry.group === undefined).flatMap((entry) => entry.rules);
    if (rules.length === 0) {
      added.push(proposed);
      continue;
    }
    // Nothing observed (clone3's ENOSYS), or already allowed whatever the arguments.
    if (proposed.calls === 0 || rules.some((rule) => rule.filter.condition === undefined && isAllow(rule))) continue;
    const allowing = rules.filter((rule) => rule.filter.condition !== undefined && isAllow(rule));
    const target = allowing.at(-1);
    // A condition is `||` of `&&` clauses of `argN OP VALUE`; `1` or `return N` is not one.
    const condition = /^arg\d/.test(proposed.filter) ? proposed.filter : undefined;
    if (target === undefined || condition === undefined) {
      const first = rules[0] as ResolvedRule;
      diagnostics.push(
        diagnostic(
          'SC5017',
          `the run used ${proposed.syscall} (${proposed.filter}), which the starting policy does not allow on any condition (rule at ${at(first)}); add an allowing rule for it by hand if that is intended`,
          first.origin.file,
          first.origin.range,
        ),
      );
      continue;
    }
    const insertion = clauseInsertion(target, condition);
    const shared = resolved.syscalls.some(
      (entry) =>
        entry.name !== proposed.syscall &&
        entry.rules.some((rule) => rule.origin.file === target.origin.file && rule.origin.range.start.offset === target.origin.range.start.offset),
    );
    if (target.origin.file !== resolved.entry || shared || insertion === undefined) {
      const text = resolved.files.find((file) => file.path === target.origin.file)?.text ?? '';
      const statement =
        insertion === undefined
          ? undefined
          : `${text.slice(target.origin.range.start.offset, insertion.at)}${insertion.insert}${text.slice(insertion.at, target.origin.range.end.offset)}`;
      const why = shared
        ? 'a statement that names other syscalls too, which widening would widen as well'
        : 'a file the starting policy includes: widening it there widens every policy that includes it, and a second line here would be a redefinition';
      diagnostics.push(
        diagnostic(
          shared ? 'SC5018' : 'SC5016',
          `the run used ${proposed.syscall} with values its rule at ${at(target)} does not allow; that rule is in ${why}: add \`${condition}\` to it by hand`,
          target.origin.file,
          target.origin.range,
          statement === undefined ? {} : { suggestion: statement.replace(/\\\n\s*/g, '').replace(/\s+/g, ' ') },
        ),
      );
      continue;
    }
    edits.push(insertion);
    widened.push({ syscall: proposed.syscall, range: target.origin.range, clause: condition });
  }
  if (diagnostics.length > 0) return { text: undefined, widened: [], added: [], diagnostics };
  const { frequencyPath, ...options } = request.options ?? {};
  // The resolver sums the counts of every frequency file a policy names: the policy's own
  // `@frequency` names the run's file instead of the one it named, and no second line is added.
  const ownFrequency =
    frequencyPath === undefined ? undefined : parsePolicy(entryText, resolved.entry).statements.find((statement) => statement.kind === 'frequency');
  if (ownFrequency !== undefined && frequencyPath !== undefined) {
    const { start, end } = ownFrequency.pathRange;
    edits.push({ at: start.offset, insert: frequencyPath, remove: end.offset - start.offset });
  }
  const appendFrequency = ownFrequency === undefined && frequencyPath !== undefined;
  let text = entryText;
  for (const edit of [...edits].sort((a, b) => b.at - a.at)) text = `${text.slice(0, edit.at)}${edit.insert}${text.slice(edit.at + (edit.remove ?? 0))}`;
  if (added.length > 0 || proposal.needsArguments.length > 0 || appendFrequency) {
    const appended = proposalTexts(added, proposal.needsArguments, appendFrequency ? { ...options, frequencyPath } : options).text;
    text = `${text === '' ? '' : `${text}${text.endsWith('\n') ? '' : '\n'}\n`}${appended}`;
  }
  widened.sort((a, b) => a.range.start.offset - b.range.start.offset);
  return { text, widened, added, diagnostics };
}
