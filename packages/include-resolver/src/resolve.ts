/**
 * Follows `@include` and `@frequency` from a top-level policy, merges rules per syscall in
 * Minijail's order and collects every diagnostic on the way. Never throws for bad input.
 */
import {
  type Action,
  type Diagnostic,
  type Filter,
  type FrequencyFile,
  type PolicyFile,
  parseFrequencyFile,
  parsePolicy,
  type SourceRange,
} from '@syscage/policy-parser';
import { descriptorAppliesTo, descriptorArchs, descriptorKey } from './arch-filter.js';
import { fileStartRange, makeDiagnostic } from './codes.js';
import { checkMinijailCStatements, type Dialect } from './dialect-c.js';
import { defaultIncludeMap, type IncludeMapping, resolveIncludePath } from './include-map.js';
import { checkSyscallRules, includeChainRelated } from './merge-checks.js';
import { createConfinement, isNotAPolicy, isNotAPolicyFile, redactText } from './confine.js';
import { basename, describeFileProblem, dirname, isMissing, normalizePath } from './paths.js';
import type { IncludeSite, PolicyHost, ResolvedFile, ResolvedFrequencyEntry, ResolvedInclude, ResolvedPolicy, ResolvedRule, ResolvedSyscall, RuleOrigin } from './types.js';

/** Parsed files kept between resolutions, so a tree check parses each file once. */
export interface ParseCache {
  /**
   * Parsed policy files by normalised absolute path. An entry is reused only while the file's
   * text is unchanged; a file read with different text is parsed again and replaces it.
   */
  readonly policies: Map<string, PolicyFile>;
  /** Parsed `@frequency` files by normalised absolute path, reused on the same terms. */
  readonly frequencies: Map<string, FrequencyFile>;
}

/** Creates an empty {@link ParseCache}. */
export function createParseCache(): ParseCache {
  return { policies: new Map(), frequencies: new Map() };
}

/** Options of {@link resolvePolicy}. */
export interface ResolveOptions {
  /** Where files are read from. */
  readonly host: PolicyHost;
  /**
   * Absolute include prefixes and the directories they stand for; the longest matching prefix
   * wins. Replaces the default; combine with {@link defaultIncludeMap} to extend it.
   * @defaultValue `/usr/share/policy/crosvm` → the directory of the top-level file
   */
  readonly includeMap?: readonly IncludeMapping[];
  /**
   * How many levels of nested `@include` are allowed below the top-level file. Minijail's
   * Python compiler allows 8: a 9th nested include fails with "nested too deep".
   * @defaultValue 8
   */
  readonly depthLimit?: number;
  /**
   * The parser the policy is meant for. `minijail-c` also reports everything libminijail's
   * run-time parser rejects or reads differently.
   * @defaultValue 'minijail-py'
   */
  readonly dialect?: Dialect;
  /**
   * The architecture the policy will be compiled for. When given, merge checks apply
   * `[arch=…]` metadata exactly; when absent, conflicts that exist only on some architectures
   * are reported as SC2013 warnings. Rules are never dropped from the result either way
   * (use {@link syscallsForArch}).
   * @defaultValue undefined
   */
  readonly arch?: string;
  /**
   * The compiler's `--denylist` flag. When given, Minijail's denylist rules are checked
   * (see {@link checkDenylistMode}); when absent they are not.
   * @defaultValue undefined
   */
  readonly denylist?: boolean;
  /**
   * Cache of parsed files to share between calls.
   * @defaultValue a fresh cache per call
   */
  readonly cache?: ParseCache;
  /**
   * Upper bound on the number of file inclusions followed, so a graph that includes the same
   * files over and over cannot make resolution take exponential time.
   * @defaultValue 10000
   */
  readonly maxIncludes?: number;
  /**
   * Folders `@include` and `@frequency` may read from, besides the target folder of every
   * include mapping. A target outside all of them (after normalisation, and after following
   * links when the host has `realPath`) is an SC2045 error and is not read. Give the tree root
   * when resolving a policy of a policy tree.
   * @defaultValue the folder of the top-level file
   */
  readonly includeRoots?: readonly string[];
  /**
   * Read include targets outside the roots anyway (a user's explicit choice). Such files are
   * marked `outside` and their text is redacted so code frames show no more than an offending
   * token of them.
   * @defaultValue false
   */
  readonly allowIncludesOutside?: boolean;
}

/** The parse of `text` kept in `parses` for `path`, parsed again when the text changed. */
function cachedParse<T extends { readonly text: string }>(parses: Map<string, T>, path: string, text: string, parse: (text: string, path: string) => T): T {
  const cached = parses.get(path);
  if (cached?.text === text) return cached;
  const parsed = parse(text, path);
  parses.set(path, parsed);
  return parsed;
}

function withChain(diagnostic: Diagnostic, chain: readonly IncludeSite[]): Diagnostic {
  if (chain.length === 0) return diagnostic;
  return { ...diagnostic, related: [...(diagnostic.related ?? []), ...includeChainRelated(chain)] };
}

function describeChain(paths: readonly string[]): string {
  return paths.map(basename).join(' → ');
}

interface MutableSyscall {
  readonly name: string;
  readonly group?: string;
  readonly rules: ResolvedRule[];
}

/**
 * A filter as libminijail's run-time parser reads it: `CONDITION; return N` allows the calls the
 * condition matches and returns errno N for every other call (Minijail's compiler reads the same
 * text as "errno N on a match"), so in the `minijail-c` dialect it becomes the two rules that
 * mean that in Syscage's reading: the condition alone, then an unconditional `return N`.
 */
function readAsLibminijail(filter: Filter): readonly Filter[] {
  if (filter.condition === undefined || filter.actionImplicit || filter.action.kind !== 'return') return [filter];
  const condition = filter.condition;
  const allow: Filter = {
    kind: 'filter',
    condition,
    action: { kind: 'action', action: 'allow', text: '', range: { start: condition.range.end, end: condition.range.end } },
    actionImplicit: true,
    range: condition.range,
  };
  return [allow, { kind: 'filter', action: filter.action, actionImplicit: false, range: filter.action.range }];
}

/**
 * Resolves a top-level policy: reads it and everything it includes through `options.host`,
 * and merges the rules of every file per syscall in Minijail's order.
 *
 * Reports (never throws): parse diagnostics of every file (with the include chain as related
 * locations), missing includes and frequency files, include cycles with the whole chain,
 * nesting deeper than the limit, Minijail's merge error for rules after an unconditional one,
 * warnings for rules that can never take effect, denylist-mode errors when `denylist` is given,
 * and, for `dialect: 'minijail-c'`, everything libminijail would reject or read differently.
 */
export function resolvePolicy(entryPath: string, options: ResolveOptions): ResolvedPolicy {
  const entry = normalizePath(entryPath);
  const host = options.host;
  const includeMap = options.includeMap ?? defaultIncludeMap(entry);
  const depthLimit = options.depthLimit ?? 8;
  const dialect = options.dialect ?? 'minijail-py';
  const cache = options.cache ?? createParseCache();
  const maxIncludes = options.maxIncludes ?? 10_000;
  const confinement = createConfinement(options.includeRoots ?? [dirname(entry)], includeMap, host);
  const allowOutside = options.allowIncludesOutside === true;
  const outsideFiles = new Set<string>();

  const diagnostics: Diagnostic[] = [];
  const files: ResolvedFile[] = [];
  const filesSeen = new Set<string>();
  const syscalls = new Map<string, MutableSyscall>();
  const frequencies = new Map<string, bigint>();
  const frequencyEntries: ResolvedFrequencyEntry[] = [];
  const denylistDeclarations: { file: string; range: SourceRange }[] = [];
  const includes: ResolvedInclude[] = [];
  const firstIncludeSite = new Map<string, IncludeSite>();
  const cSyscallSites = new Map<string, { file: string; range: SourceRange }>();
  let defaultAction: { readonly action: Action; readonly origin: RuleOrigin } | undefined;
  let includeCount = 0;
  let includeBudgetReported = false;

  const recordFile = (
    path: string,
    text: string,
    role: ResolvedFile['role'],
    chain: readonly IncludeSite[],
    fileDiagnostics: readonly Diagnostic[],
  ): boolean => {
    if (filesSeen.has(path)) return false;
    filesSeen.add(path);
    if (outsideFiles.has(path)) {
      const ranges = fileDiagnostics.map((diagnostic) => ({ start: diagnostic.range.start.offset, end: diagnostic.range.end.offset }));
      files.push({ path, text: redactText(text, ranges), role, includeChain: chain, outside: true });
    } else {
      files.push({ path, text, role, includeChain: chain });
    }
    return true;
  };

  /**
   * The diagnostics to report for a file just read: its own, or one SC2046 when it is not a
   * policy at all (at the include site, or at its first problem for the top-level file).
   */
  const fileDiagnostics = (
    path: string,
    own: readonly Diagnostic[],
    notAPolicy: boolean,
    chain: readonly IncludeSite[],
    kind: string,
  ): readonly Diagnostic[] => {
    if (!notAPolicy) return own;
    const errors = own.filter((diagnostic) => diagnostic.severity === 'error');
    const first = errors[0];
    const site = chain[chain.length - 1];
    const where = first === undefined ? '' : `, the first at line ${first.range.start.line.toString()}`;
    const message = `${basename(path)} is not a ${kind} file (${errors.length.toString()} parse error${errors.length === 1 ? '' : 's'}${where})${site === undefined ? '' : '; its lines are not shown'}`;
    return [
      site === undefined
        ? makeDiagnostic('SC2046', message, path, first?.range ?? fileStartRange)
        : makeDiagnostic('SC2046', message, site.file, site.range, { related: includeChainRelated(chain.slice(0, -1)) }),
    ];
  };

  /** True when `target` may be read from `path`'s statement; reports SC2045 when not. */
  const confined = (target: string, written: string, path: string, range: SourceRange, chain: readonly IncludeSite[]): boolean => {
    if (confinement.allows(target)) return true;
    if (allowOutside) {
      outsideFiles.add(target);
      return true;
    }
    diagnostics.push(
      makeDiagnostic(
        'SC2045',
        `\`${written}\` leads to ${target}, outside ${confinement.roots.join(', ')}; it is not read`,
        path,
        range,
        {
          related: includeChainRelated(chain),
          suggestion: "keep included files in the policy's folder, map an absolute prefix to a folder with an include map, or allow includes outside explicitly",
        },
      ),
    );
    return false;
  };

  const readFrequency = (path: string, text: string, chain: readonly IncludeSite[]): void => {
    const parsed = cachedParse(cache.frequencies, path, text, parseFrequencyFile);
    const errors = parsed.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;
    const notAPolicy = isNotAPolicy(path, '.frequency', text, parsed.entries.length, errors);
    const own = fileDiagnostics(path, parsed.diagnostics, notAPolicy, chain, 'frequency');
    const first = recordFile(path, text, 'frequency', chain, parsed.diagnostics);
    if (first) for (const diagnostic of own) diagnostics.push(notAPolicy ? diagnostic : withChain(diagnostic, chain));
    if (notAPolicy) return;
    for (const entry of parsed.entries) {
      frequencyEntries.push({ descriptor: entry.descriptor, count: entry.count, file: path, range: entry.range });
      const applies =
        options.arch === undefined
          ? descriptorArchs(entry.descriptor) === undefined
          : descriptorAppliesTo(entry.descriptor, options.arch);
      if (!applies) continue;
      const key = descriptorKey(entry.descriptor);
      frequencies.set(key, (frequencies.get(key) ?? 0n) + entry.count);
    }
  };

  const visit = (path: string, text: string, chain: readonly IncludeSite[], active: readonly string[]): void => {
    const parsed = cachedParse(cache.policies, path, text, parsePolicy);
    const notAPolicy = isNotAPolicyFile(parsed);
    const first = recordFile(path, text, chain.length === 0 ? 'entry' : 'include', chain, parsed.diagnostics);
    const depth = chain.length;
    if (notAPolicy) {
      if (first) diagnostics.push(...fileDiagnostics(path, parsed.diagnostics, true, chain, 'policy'));
      return;
    }
    if (first) {
      for (const diagnostic of parsed.diagnostics) diagnostics.push(withChain(diagnostic, chain));
      if (dialect === 'minijail-c') {
        for (const diagnostic of checkMinijailCStatements(parsed)) diagnostics.push(withChain(diagnostic, chain));
      }
    }
    for (const statement of parsed.statements) {
      switch (statement.kind) {
        case 'include': {
          const site: IncludeSite = { file: path, range: statement.range };
          const target = resolveIncludePath(statement.path, path, includeMap);
          const record = (followed: boolean): void => {
            includes.push({ file: path, range: statement.range, written: statement.path, target, followed });
          };
          if (dialect === 'minijail-c' && depth >= 1) {
            diagnostics.push(
              withChain(
                makeDiagnostic(
                  'SC2030',
                  'libminijail accepts `@include` only in the loaded policy, not in an included file',
                  path,
                  statement.range,
                ),
                chain,
              ),
            );
          }
          const cycleStart = active.indexOf(target);
          if (cycleStart >= 0) {
            record(false);
            const cyclePaths = [...active.slice(cycleStart), target];
            diagnostics.push(
              makeDiagnostic('SC2004', `include cycle: ${describeChain(cyclePaths)}`, path, statement.range, {
                related: chain.slice(cycleStart).map((step, index) => ({
                  message: `${basename(cyclePaths[index] ?? step.file)} includes ${basename(cyclePaths[index + 1] ?? target)}`,
                  file: step.file,
                  range: step.range,
                })),
              }),
            );
            break;
          }
          if (!confined(target, statement.path, path, statement.pathRange, chain)) {
            record(false);
            break;
          }
          if (depth + 1 > depthLimit) {
            record(false);
            diagnostics.push(
              makeDiagnostic(
                'SC2003',
                `@include statement nested too deep (more than ${depthLimit} level${depthLimit === 1 ? '' : 's'} below the top-level file)`,
                path,
                statement.range,
                { related: includeChainRelated(chain) },
              ),
            );
            break;
          }
          const targetText = host.readFile(target);
          if (targetText === undefined) {
            record(false);
            const problem = host.fileProblem?.(target);
            diagnostics.push(
              isMissing(problem)
                ? makeDiagnostic('SC2002', `could not @include ${target}: no such file`, path, statement.pathRange, {
                    related: includeChainRelated(chain),
                  })
                : makeDiagnostic('SC2053', `could not @include ${target}: ${describeFileProblem(problem ?? 'EIO')}`, path, statement.pathRange, {
                    related: includeChainRelated(chain),
                  }),
            );
            break;
          }
          if (includeCount >= maxIncludes) {
            record(false);
            if (!includeBudgetReported) {
              includeBudgetReported = true;
              diagnostics.push(
                makeDiagnostic(
                  'SC2007',
                  `the include graph expands to more than ${maxIncludes} inclusions; stopped following includes here`,
                  path,
                  statement.range,
                  { related: includeChainRelated(chain) },
                ),
              );
            }
            break;
          }
          includeCount++;
          const previousSite = firstIncludeSite.get(target);
          if (previousSite === undefined) {
            firstIncludeSite.set(target, site);
          } else {
            diagnostics.push(
              makeDiagnostic(
                'SC2006',
                `${basename(target)} is included again, so its rules are merged a second time`,
                path,
                statement.range,
                {
                  related: [
                    { message: 'first included here', file: previousSite.file, range: previousSite.range },
                    ...includeChainRelated(chain),
                  ],
                },
              ),
            );
          }
          record(true);
          visit(target, targetText, [...chain, site], [...active, target]);
          break;
        }
        case 'frequency': {
          const target = resolveIncludePath(statement.path, path, includeMap);
          if (!confined(target, statement.path, path, statement.pathRange, chain)) break;
          const targetText = host.readFile(target);
          if (targetText === undefined) {
            const problem = host.fileProblem?.(target);
            diagnostics.push(
              withChain(
                isMissing(problem)
                  ? makeDiagnostic('SC2005', `could not open frequency file ${target}`, path, statement.pathRange)
                  : makeDiagnostic('SC2053', `could not open frequency file ${target}: ${describeFileProblem(problem ?? 'EIO')}`, path, statement.pathRange),
                chain,
              ),
            );
            break;
          }
          readFrequency(target, targetText, [...chain, { file: path, range: statement.range }]);
          break;
        }
        case 'default':
          defaultAction = {
            action: statement.action,
            origin: { file: path, range: statement.range, colonRange: statement.range, includeChain: chain },
          };
          break;
        case 'denylist':
          denylistDeclarations.push({ file: path, range: statement.range });
          break;
        case 'filter-statement': {
          const origin: RuleOrigin = {
            file: path,
            range: statement.range,
            colonRange: statement.colonRange,
            includeChain: chain,
          };
          for (const descriptor of statement.descriptors) {
            const key = descriptorKey(descriptor);
            let syscall = syscalls.get(key);
            if (syscall === undefined) {
              syscall =
                descriptor.group === undefined
                  ? { name: descriptor.name, rules: [] }
                  : { name: descriptor.name, group: descriptor.group, rules: [] };
              syscalls.set(key, syscall);
            }
            for (const filter of statement.filters) {
              for (const read of dialect === 'minijail-c' ? readAsLibminijail(filter) : [filter]) syscall.rules.push({ descriptor, filter: read, origin });
            }
            if (dialect === 'minijail-c') {
              const earlier = cSyscallSites.get(key);
              if (earlier === undefined) {
                cSyscallSites.set(key, { file: path, range: descriptor.range });
              } else {
                diagnostics.push(
                  makeDiagnostic('SC2039', `libminijail rejects a second line for syscall ${key}`, path, descriptor.range, {
                    related: [
                      { message: 'first line for it', file: earlier.file, range: earlier.range },
                      ...includeChainRelated(chain),
                    ],
                    suggestion: 'join the conditions into one line with `||`',
                  }),
                );
              }
            }
          }
          break;
        }
      }
    }
  };

  const entryText = host.readFile(entry);
  if (entryText === undefined) {
    const problem = host.fileProblem?.(entry);
    diagnostics.push(
      makeDiagnostic('SC2001', `cannot read policy file ${entry}${isMissing(problem) ? '' : `: ${describeFileProblem(problem ?? 'EIO')}`}`, entry, fileStartRange),
    );
  } else {
    visit(entry, entryText, [], [entry]);
  }

  const resolvedSyscalls: ResolvedSyscall[] = [...syscalls.values()];
  for (const syscall of resolvedSyscalls) {
    diagnostics.push(...checkSyscallRules(syscall, options.arch === undefined ? {} : { arch: options.arch }));
  }

  const policy: ResolvedPolicy = {
    entry,
    ...(defaultAction === undefined ? {} : { defaultAction }),
    denylist: denylistDeclarations.length > 0,
    syscalls: resolvedSyscalls,
    frequencies,
    files,
    diagnostics,
    frequencyEntries,
    denylistDeclarations,
    includes,
    ...(options.arch === undefined ? {} : { arch: options.arch }),
  };
  if (options.denylist === undefined) return policy;
  return { ...policy, diagnostics: [...diagnostics, ...checkDenylistMode(policy, options.denylist)] };
}

/**
 * Minijail's denylist rules for a resolved policy compiled with (`denylist: true`) or without
 * the `--denylist` flag: without it, every `@denylist` header is an error; with it, every policy
 * file must declare `@denylist` and every written action must be `return …` (an implicit allow,
 * `arg0 == 1` alone, is accepted as Minijail does).
 */
export function checkDenylistMode(policy: ResolvedPolicy, denylist: boolean): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const declarations = policy.denylistDeclarations ?? [];
  if (!denylist) {
    for (const declaration of declarations) {
      diagnostics.push(
        makeDiagnostic('SC2020', 'policy is denylist, but it is not compiled in denylist mode (--denylist)', declaration.file, declaration.range),
      );
    }
    return diagnostics;
  }
  const declaring = new Set(declarations.map((declaration) => declaration.file));
  for (const file of policy.files) {
    if (file.role === 'frequency' || declaring.has(file.path)) continue;
    diagnostics.push(
      makeDiagnostic('SC2021', 'policy must contain @denylist to be compiled in denylist mode', file.path, fileStartRange, {
        related: includeChainRelated(file.includeChain),
        suggestion: 'add a line `@denylist`',
      }),
    );
  }
  const reported = new Set<string>();
  for (const syscall of policy.syscalls) {
    for (const rule of syscall.rules) {
      const action = rule.filter.action;
      if (action.kind === 'return' || rule.filter.actionImplicit) continue;
      const key = `${rule.origin.file}|${action.range.start.offset}`;
      if (reported.has(key)) continue;
      reported.add(key);
      diagnostics.push(
        makeDiagnostic('SC2022', `invalid denylist policy: \`${action.text}\` is not a \`return\` action`, rule.origin.file, action.range, {
          related: includeChainRelated(rule.origin.includeChain),
        }),
      );
    }
  }
  return diagnostics;
}
