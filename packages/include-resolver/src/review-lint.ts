/**
 * The reviewer's lint Minijail has as `seccomp_policy_lint`, on a resolved policy:
 *
 * - SC2050: a syscall of the shared dangerous list ({@link dangerousSyscalls}) is allowed by a
 *   rule with no comment on the line above it (blank lines in between are skipped, as Minijail
 *   does). Rules that only deny (`kill`, `trap`, `return N`) need no reason.
 * - SC2051: a syscall gets conditional rules on more than one line. Minijail's compiler merges
 *   them, but libminijail's C parser, which loads `.policy` files at run time, rejects a
 *   syscall named twice (the `minijail-c` dialect reports every repeat as SC2039 already).
 */
import type { Diagnostic, Filter } from '@syscage/policy-parser';
import { makeDiagnostic } from './codes.js';
import { type DangerousSyscall, dangerousSyscall } from './dangerous-syscalls.js';
import { includeChainRelated } from './merge-checks.js';
import type { ResolvedPolicy, ResolvedRule } from './types.js';

/** Options of {@link lintReviewRules}. */
export interface ReviewLintOptions {
  /**
   * Report SC2051 (conditional rules on several lines); off for the `minijail-c` dialect, whose
   * SC2039 already reports every repeated syscall.
   * @defaultValue true
   */
  readonly repeatedConditions?: boolean;
}

const denyWords: ReadonlySet<string> = new Set(['kill', 'kill-process', 'kill-thread', 'trap']);

/** True when the filter can let the call run (allow, log, trace, user-notify). */
function mayAllow(filter: Filter): boolean {
  return filter.action.kind === 'action' && !denyWords.has(filter.action.action);
}

const danger: Readonly<Record<DangerousSyscall['kind'], string>> = {
  escape: 'can break out of the sandbox',
  surface: 'widens what a compromised process can reach',
  review: 'needs a stated reason',
  arguments: 'is dangerous with the wrong arguments',
};

/** True when the nearest non-blank line above `line` (1-based) of a file's `lines` is a comment. */
function commentAbove(lines: readonly string[], line: number): boolean {
  for (let index = line - 2; index >= 0; index--) {
    const content = (lines[index] ?? '').trim();
    if (content === '') continue;
    return content.startsWith('#');
  }
  return false;
}

function statementKey(rule: ResolvedRule): string {
  return `${rule.origin.file}\u0000${rule.origin.range.start.offset}`;
}

/** The reviewer's lint (SC2050, SC2051) on a resolved policy; see the module comment. */
export function lintReviewRules(policy: ResolvedPolicy, options: ReviewLintOptions = {}): Diagnostic[] {
  const texts = new Map(policy.files.map((file) => [file.path, file.text]));
  // Split each file into lines once, not once per rule a comment must justify.
  const fileLines = new Map<string, readonly string[]>();
  const linesOf = (path: string): readonly string[] | undefined => {
    let lines = fileLines.get(path);
    if (lines === undefined) {
      lines = texts.get(path)?.split('\n');
      if (lines !== undefined) fileLines.set(path, lines);
    }
    return lines;
  };
  const diagnostics: Diagnostic[] = [];
  const reported = new Set<string>();
  for (const syscall of policy.syscalls) {
    const entry = dangerousSyscall(syscall.name);
    if (entry !== undefined) {
      for (const rule of syscall.rules) {
        const key = statementKey(rule);
        if (!mayAllow(rule.filter) || reported.has(key)) continue;
        const lines = linesOf(rule.origin.file);
        if (lines === undefined || commentAbove(lines, rule.origin.range.start.line)) continue;
        reported.add(key);
        diagnostics.push(
          makeDiagnostic('SC2050', `${entry.name} ${danger[entry.kind]} (it ${entry.why}) but is allowed here without a comment on the line above saying why`, rule.origin.file, rule.descriptor.range, {
            related: includeChainRelated(rule.origin.includeChain),
            suggestion: `add a comment line above the rule saying why the process needs ${entry.name}${rule.filter.condition === undefined ? ', and narrow it with argument conditions if you can' : ''}`,
          }),
        );
      }
    }
    if (options.repeatedConditions === false) continue;
    const conditional: ResolvedRule[] = [];
    for (const rule of syscall.rules) {
      if (rule.filter.condition !== undefined && !conditional.some((seen) => statementKey(seen) === statementKey(rule))) conditional.push(rule);
    }
    const first = conditional[0];
    if (first === undefined) continue;
    for (const rule of conditional.slice(1)) {
      diagnostics.push(
        makeDiagnostic('SC2051', `${syscall.name} gets conditional rules here and on another line; Minijail’s compiler merges them, but libminijail’s C parser rejects a syscall named twice`, rule.origin.file, rule.descriptor.range, {
          related: [{ message: 'the first conditional rule', file: first.origin.file, range: first.descriptor.range }, ...includeChainRelated(rule.origin.includeChain)],
          suggestion: `join the conditions into one ${syscall.name} rule with \`||\``,
        }),
      );
    }
  }
  return diagnostics;
}
