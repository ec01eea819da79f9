/**
 * Minijail's merge rules for the filters of one syscall, plus Syscage's dead-rule warnings.
 *
 * Minijail concatenates every filter naming a syscall in file order. Once an unconditional filter
 * appears, any later filter is an error ("already had an unconditional action applied"). When the
 * list ends with an unconditional `allow`, Minijail emits the syscall as plainly allowed and
 * drops every conditional filter before it; Syscage warns about each dropped filter. A
 * conditional filter whose every `||` clause contains all the comparisons of some clause of an
 * earlier filter can never be the first match; Syscage warns about it too. The comparison is
 * syntactic (constants by name), so it never claims a shadow that does not exist.
 */
import type {
  AndClause,
  Comparison,
  Diagnostic,
  RelatedLocation,
  ValueExpr,
} from '@syscage/policy-parser';
import { descriptorAppliesTo, descriptorArchs } from './arch-filter.js';
import { makeDiagnostic } from './codes.js';
import type { IncludeSite, ResolvedRule, ResolvedSyscall } from './types.js';

/** Related locations for an include chain, innermost include first. */
export function includeChainRelated(chain: readonly IncludeSite[]): RelatedLocation[] {
  return chain
    .slice()
    .reverse()
    .map((site) => ({ message: 'included from here', file: site.file, range: site.range }));
}

function syscallLabel(syscall: ResolvedSyscall): string {
  return syscall.group === undefined ? syscall.name : `${syscall.name}@${syscall.group}`;
}

function valueKey(value: ValueExpr): string {
  switch (value.kind) {
    case 'number':
      return value.value.toString();
    case 'constant':
      return value.name;
    case 'complement':
      return `~(${valueKey(value.operand)})`;
    case 'paren':
      return valueKey(value.expression);
    case 'bit-or':
      return `(${value.operands.map(valueKey).sort().join('|')})`;
  }
}

function comparisonKey(comparison: Comparison): string {
  return `arg${comparison.argIndex} ${comparison.operator} ${valueKey(comparison.value)}`;
}

/**
 * Keys already made, by clause. A parse cache hands the same parsed block (`common_device.policy`)
 * to every policy of a tree that includes it, so its clauses are keyed once per tree, not once per
 * including policy; parsed clauses are never changed, so a key stays right for its clause.
 */
const keysOfClause = new WeakMap<AndClause, readonly string[]>();

/** The distinct comparison keys of a clause, sorted (a set with one spelling). */
function clauseKeys(clause: AndClause): readonly string[] {
  let keys = keysOfClause.get(clause);
  if (keys === undefined) {
    keys = [...new Set(clause.atoms.map(comparisonKey))].sort();
    keysOfClause.set(clause, keys);
  }
  return keys;
}

const setKey = (keys: readonly string[]): string => keys.join('\u0000');

/**
 * The earlier clauses of one syscall's conditional rules, indexed so that finding the first one
 * a new clause implies (whose comparisons are all among the new clause's) costs no more per
 * clause than the number of its own subsets, however many rules came before: a generated
 * policy with tens of thousands of `ioctl: arg1 == N` lines is checked in linear time instead of
 * comparing every clause with every earlier one.
 */
class EarlierClauses {
  /** The first clause (by position) with each exact comparison set. */
  private readonly bySet = new Map<string, { readonly index: number; readonly rule: ResolvedRule }>();
  /** Every clause in order, for the rare clause too wide to enumerate the subsets of. */
  private readonly all: { readonly keys: readonly string[]; readonly rule: ResolvedRule }[] = [];

  /** Subsets are enumerated for clauses of up to this many comparisons (2^10 lookups at most). */
  private static readonly enumerable = 10;

  add(keys: readonly string[], rule: ResolvedRule): void {
    const key = setKey(keys);
    if (!this.bySet.has(key)) this.bySet.set(key, { index: this.all.length, rule });
    this.all.push({ keys, rule });
  }

  /** The rule of the first earlier clause whose comparisons are all in `keys`, if any. */
  firstImplied(keys: readonly string[]): ResolvedRule | undefined {
    if (keys.length > EarlierClauses.enumerable) {
      // More than ten comparisons joined by && in one clause: scanned, as before the index.
      const have = new Set(keys);
      return this.all.find((earlier) => earlier.keys.every((key) => have.has(key)))?.rule;
    }
    let best: { readonly index: number; readonly rule: ResolvedRule } | undefined;
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const found = this.bySet.get(setKey(keys.filter((_key, bit) => (mask & (1 << bit)) !== 0)));
      if (found !== undefined && (best === undefined || found.index < best.index)) best = found;
    }
    return best?.rule;
  }
}

function isUnconditional(rule: ResolvedRule): boolean {
  return rule.filter.condition === undefined;
}

function isAllow(rule: ResolvedRule): boolean {
  return rule.filter.action.kind === 'action' && rule.filter.action.action === 'allow';
}

/** How a merge finding is reported: as is, or as an architecture-specific warning. */
interface ReportMode {
  /** When set, the rule list is one architecture's and errors become SC2013 warnings. */
  readonly onlyOnArch?: string;
}

function analyzeRuleList(syscall: ResolvedSyscall, rules: readonly ResolvedRule[], mode: ReportMode): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const label = syscallLabel(syscall);
  const prefix = mode.onlyOnArch === undefined ? '' : `when compiled for ${mode.onlyOnArch}: `;
  const firstUnconditional = rules.findIndex(isUnconditional);

  if (firstUnconditional >= 0) {
    const previous = rules[firstUnconditional];
    if (previous !== undefined) {
      for (const rule of rules.slice(firstUnconditional + 1)) {
        const message = `${prefix}syscall ${label} already had an unconditional action applied`;
        const related: RelatedLocation[] = [
          { message: 'previous definition', file: previous.origin.file, range: previous.origin.colonRange },
          ...includeChainRelated(rule.origin.includeChain),
        ];
        diagnostics.push(
          mode.onlyOnArch === undefined
            ? makeDiagnostic('SC2010', message, rule.origin.file, rule.origin.colonRange, { related })
            : makeDiagnostic('SC2013', message, rule.origin.file, rule.origin.colonRange, { related }),
        );
      }
      if (isAllow(previous)) {
        for (const rule of rules.slice(0, firstUnconditional)) {
          diagnostics.push(
            makeDiagnostic(
              'SC2011',
              `${prefix}this rule for ${label} never takes effect: a later unconditional allow makes Minijail drop every conditional rule of ${label}`,
              rule.origin.file,
              rule.filter.range,
              {
                related: [
                  { message: 'the unconditional allow', file: previous.origin.file, range: previous.filter.range },
                  ...includeChainRelated(rule.origin.includeChain),
                ],
                suggestion: 'remove this rule, or remove the unconditional allow if the condition matters',
              },
            ),
          );
        }
        return diagnostics;
      }
    }
  }

  const conditionalEnd = firstUnconditional >= 0 ? firstUnconditional : rules.length;
  const earlierClauses = new EarlierClauses();
  for (const rule of rules.slice(0, conditionalEnd)) {
    const condition = rule.filter.condition;
    if (condition === undefined) continue;
    const shadowing = new Set<ResolvedRule>();
    let allShadowed = true;
    for (const clause of condition.clauses) {
      const match = earlierClauses.firstImplied(clauseKeys(clause));
      if (match === undefined) {
        allShadowed = false;
        break;
      }
      shadowing.add(match);
    }
    if (allShadowed && condition.clauses.length > 0) {
      diagnostics.push(
        makeDiagnostic(
          'SC2012',
          `${prefix}this rule for ${label} never takes effect: earlier rules match every call it matches`,
          rule.origin.file,
          rule.filter.range,
          {
            related: [
              ...[...shadowing].map((earlier) => ({
                message: 'earlier rule that matches first',
                file: earlier.origin.file,
                range: earlier.filter.range,
              })),
              ...includeChainRelated(rule.origin.includeChain),
            ],
          },
        ),
      );
    }
    for (const clause of condition.clauses) earlierClauses.add(clauseKeys(clause), rule);
  }
  return diagnostics;
}

function findingKey(diagnostic: Diagnostic): string {
  const start = diagnostic.range.start;
  const code = diagnostic.code === 'SC2013' ? 'SC2010' : diagnostic.code;
  return `${code}|${diagnostic.file}|${start.offset}|${start.line}`;
}

/**
 * The merge diagnostics of one syscall's rule list.
 *
 * With `arch`, the rules `[arch=…]` metadata keeps on that architecture are checked exactly, as
 * Minijail would when compiling for it. Without `arch`, findings among rules without arch
 * metadata are reported as they are (they occur on every architecture); findings that need an
 * arch-specific rule are checked once per architecture named in the metadata and reported as
 * warnings (errors become SC2013), since they happen only when compiling for that architecture.
 * The code generator can call this again after expanding groups to syscall numbers.
 */
export function checkSyscallRules(syscall: ResolvedSyscall, options: { readonly arch?: string } = {}): Diagnostic[] {
  if (options.arch !== undefined) {
    const arch = options.arch;
    return analyzeRuleList(
      syscall,
      syscall.rules.filter((rule) => descriptorAppliesTo(rule.descriptor, arch)),
      {},
    );
  }
  const everywhere = syscall.rules.filter((rule) => descriptorArchs(rule.descriptor) === undefined);
  const diagnostics = analyzeRuleList(syscall, everywhere, {});
  const archs = new Set<string>();
  for (const rule of syscall.rules) for (const arch of descriptorArchs(rule.descriptor) ?? []) archs.add(arch);
  const seen = new Set(diagnostics.map(findingKey));
  for (const arch of [...archs].sort()) {
    const rules = syscall.rules.filter((rule) => descriptorAppliesTo(rule.descriptor, arch));
    for (const diagnostic of analyzeRuleList(syscall, rules, { onlyOnArch: arch })) {
      const key = findingKey(diagnostic);
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(diagnostic);
    }
  }
  return diagnostics;
}
