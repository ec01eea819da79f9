/**
 * Flattening: a resolved policy written out as one self-contained file that libminijail's
 * run-time C parser accepts (the `minijail-c` dialect) and whose decisions, compiled with the
 * same options, equal the original's. crosvm hands its text policies to that parser with
 * `--seccomp-log-failures`, and the parser refuses any tree in which one syscall gets rules from
 * several files; the flattened file has no includes and one line per syscall.
 *
 * libminijail's C parser gives each syscall one line with one of four forms: `name: 1`
 * (allow), `name: return N` (errno), `name: CONDITION`, which allows a call the condition
 * matches and sends every other call to the jail's failure action, and `name: CONDITION; return
 * N`, which allows a call the condition matches and returns errno N for every other call (the
 * opposite of what Minijail's compiler makes of that text, which is why the `minijail-c` dialect
 * reads it as libminijail does and warns, SC2052). A syscall is therefore written as
 *
 * - `name: 1` or `name: return N` when it is unconditional;
 * - `name: C1 || C2 …` when its conditional rules all allow and it falls back to the default
 *   action, which stands for the jail's failure action;
 * - `name: C1 || C2 …; return N` when its conditional rules all allow and every other call gets
 *   errno N (a policy's `foo: COND` followed by `foo: return N`);
 * - not at all when it gets the default action either way.
 *
 * Conditional rules whose action is the fallback's and that come after every other rule change
 * nothing and are left out. Anything else (a conditional errno, trap or log, conditions that fall
 * back to an action other than the default or an errno, unconditional actions other than allow
 * and errno that differ from the default, denylist mode) is a diagnostic naming the rule: nothing
 * is dropped silently, and no text is produced then.
 * Values are written as the architecture's numbers, so the file does not depend on which
 * constants the run-time parser knows.
 */
import type { ArchTable } from '@syscage/arch-tables';
import type { ResolvedPolicy } from '@syscage/include-resolver';
import type { Diagnostic } from '@syscage/policy-parser';
import { codegenDiagnostic, fileStart } from './codes.js';
import { type LoweredComparison, type LoweredFilter, type LoweredSyscall, lowerPolicy } from './lower.js';
import { type CompileOptions, type SeccompAction, formatAction } from './options.js';

/** Options of {@link flattenPolicy}: the compile options the flattened file must agree with. */
export interface FlattenOptions extends CompileOptions {
  /**
   * Comment lines for the top of the file (without `#`), e.g. where it was generated from.
   * @defaultValue none
   */
  readonly comment?: readonly string[];
}

/** Result of {@link flattenPolicy}. */
export interface FlattenResult {
  /** The flattened policy text; absent when any diagnostic is an error. */
  readonly text?: string;
  /** Lowering diagnostics, and SC4030–SC4034 for what the C dialect cannot express. */
  readonly diagnostics: readonly Diagnostic[];
  /** The number of syscall lines written. */
  readonly lines: number;
}

function sameAction(a: SeccompAction, b: SeccompAction): boolean {
  return a.kind === b.kind && (a.kind !== 'errno' || a.errno === b.errno);
}

function comparisonText(comparison: LoweredComparison): string {
  return `arg${comparison.arg} ${comparison.operator} 0x${comparison.value.toString(16)}`;
}

function conditionText(filters: readonly LoweredFilter[]): string {
  return filters.flatMap((filter) => filter.clauses.map((clause) => clause.map(comparisonText).join(' && '))).join(' || ');
}

/** The C-dialect line of one syscall, `null` when the default action covers it, or a diagnostic. */
function syscallLine(syscall: LoweredSyscall, defaultAction: SeccompAction): string | null | Diagnostic {
  const fallback = syscall.fallback;
  // Trailing rules that give the fallback's action decide nothing the fallback would not. (Not
  // the default's: before an errno fallback, a rule giving the default action still decides.)
  const filters = [...syscall.filters];
  while (filters.length > 0 && sameAction(filters[filters.length - 1]?.action ?? fallback.action, fallback.action)) filters.pop();
  if (filters.length === 0) {
    if (fallback.action.kind === 'allow') return `${syscall.name}: 1`;
    if (fallback.action.kind === 'errno') return `${syscall.name}: return ${String(fallback.action.errno ?? 0)}`;
    if (sameAction(fallback.action, defaultAction)) return null;
    const origin = fallback.origin;
    return codegenDiagnostic(
      'SC4032',
      `libminijail's run-time parser cannot write \`${formatAction(fallback.action)}\` for ${syscall.name}, and it differs from the default action \`${formatAction(defaultAction)}\``,
      origin?.file ?? '',
      origin?.range ?? fileStart,
      { suggestion: 'use allow or `return N`, or make this the default action' },
    );
  }
  if (fallback.action.kind === 'errno' && !sameAction(fallback.action, defaultAction)) {
    // Allowed on the conditions, an errno for every other call: libminijail's `CONDITION; return N`.
    const refused = conditionalRefusal(syscall, filters);
    if (refused !== undefined) return refused;
    return `${syscall.name}: ${conditionText(filters)}; return ${String(fallback.action.errno ?? 0)}`;
  }
  if (!sameAction(fallback.action, defaultAction)) {
    const origin = fallback.origin;
    return codegenDiagnostic(
      'SC4031',
      `${syscall.name} falls back to \`${formatAction(fallback.action)}\` after its conditions; libminijail's run-time parser can only fall back to the jail's failure action or an errno`,
      origin?.file ?? '',
      origin?.range ?? fileStart,
      { related: filters.map((filter) => ({ message: 'conditional rule', file: filter.origin.file, range: filter.origin.range })) },
    );
  }
  return conditionalRefusal(syscall, filters) ?? `${syscall.name}: ${conditionText(filters)}`;
}

/** SC4030 for the first of `filters` that does not allow: the C dialect only allows on a condition. */
function conditionalRefusal(syscall: LoweredSyscall, filters: readonly LoweredFilter[]): Diagnostic | undefined {
  const other = filters.find((filter) => filter.action.kind !== 'allow');
  if (other === undefined) return undefined;
  return codegenDiagnostic(
    'SC4030',
    `this rule of ${syscall.name} gives \`${formatAction(other.action)}\` on a condition; libminijail's run-time parser can only allow the calls a condition matches`,
    other.origin.file,
    other.origin.range,
    { suggestion: 'make the rule unconditional, or allow on the condition and let the default action or an errno take the rest' },
  );
}

/**
 * Writes a resolved policy for one architecture as one self-contained file in the `minijail-c`
 * dialect (see the module comment for what can be written). Compiled with the same options, the
 * text gives the same decision as the original for every syscall and argument. Never throws.
 *
 * @example
 * ```ts
 * const { text, diagnostics } = flattenPolicy(resolved, archX86_64, { defaultAction: 'trap' });
 * ```
 */
export function flattenPolicy(resolved: ResolvedPolicy, table: ArchTable, options: FlattenOptions = {}): FlattenResult {
  const lowered = lowerPolicy(resolved, table, options);
  const diagnostics: Diagnostic[] = [...lowered.diagnostics];
  const policy = lowered.policy;
  if (policy === undefined) return { diagnostics, lines: 0 };
  if (policy.denylist) {
    diagnostics.push(codegenDiagnostic('SC4034', 'a @denylist policy cannot be flattened: libminijail has no denylist mode', resolved.entry, fileStart));
    return { diagnostics, lines: 0 };
  }
  if (policy.defaultSource === 'policy' && resolved.defaultAction !== undefined) {
    const origin = resolved.defaultAction.origin;
    diagnostics.push(
      codegenDiagnostic(
        'SC4033',
        `libminijail has no @default: where the flattened policy is loaded, the jail's failure action replaces \`${formatAction(policy.defaultAction)}\``,
        origin.file,
        origin.range,
        { suggestion: `compile it with --default-action ${formatAction(policy.defaultAction).replace(/^errno /, '"return ')}${policy.defaultAction.kind === 'errno' ? '"' : ''}` },
      ),
    );
  }
  // Syscalls in the order the policy first names them, which keeps the author's grouping.
  const firstSeen = new Map<string, number>();
  resolved.syscalls.forEach((syscall, index) => {
    if (!firstSeen.has(syscall.name)) firstSeen.set(syscall.name, index);
  });
  const ordered = [...policy.syscalls].sort(
    (a, b) => (firstSeen.get(a.name) ?? Infinity) - (firstSeen.get(b.name) ?? Infinity) || a.number - b.number,
  );
  const lines: string[] = (options.comment ?? []).map((line) => (line === '' ? '#' : `# ${line}`));
  let written = 0;
  for (const syscall of ordered) {
    const line = syscallLine(syscall, policy.defaultAction);
    if (line === null) continue;
    if (typeof line === 'string') {
      lines.push(line);
      written++;
    } else diagnostics.push(line);
  }
  if (diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return { diagnostics, lines: 0 };
  return { text: `${lines.join('\n')}\n`, diagnostics, lines: written };
}
