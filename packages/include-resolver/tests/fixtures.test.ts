/**
 * Fixture runner: every folder under tests/fixtures/ is one case. Its files are served from
 * memory under `/<case>/`; `case.json` says what to run; `expected.txt` is the rendered result
 * (diagnostics as code frames with related locations, then the merged rules). Set
 * SYSCAGE_UPDATE_FIXTURES=1 to rewrite the expectations after reviewing a change.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Diagnostic, formatDiagnostic } from '@syscage/policy-parser';
import { describe, expect, it } from 'vitest';
import { expectFixtureText } from '../../../tools/fixtures/index.js';
import {
  type Dialect,
  type IncludeMapping,
  type LintLevel,
  type ResolvedPolicy,
  createMemoryHost,
  lintPolicyTree,
  resolvePolicy,
} from '../src/index.js';

const fixturesDir = fileURLToPath(new URL('./fixtures', import.meta.url));

interface CaseOptions {
  /** Top-level policy, relative to the case folder (resolution cases). */
  readonly entry?: string;
  /** Tree root, relative to the case folder (tree lint cases). */
  readonly tree?: string;
  readonly dialect?: Dialect;
  readonly arch?: string;
  readonly denylist?: boolean;
  readonly depthLimit?: number;
  readonly includeMap?: readonly IncludeMapping[];
  readonly lint?: LintLevel;
  readonly maxIncludes?: number;
  /** Include roots, relative to the case folder. */
  readonly includeRoots?: readonly string[];
  readonly allowIncludesOutside?: boolean;
}

function collectFiles(dir: string, prefix: string, out: Record<string, string>): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collectFiles(path, `${prefix}/${name}`, out);
    else if (prefix !== '' || (name !== 'case.json' && name !== 'expected.txt')) out[`${prefix}/${name}`] = readFileSync(path, 'utf8');
  }
}

function render(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, sources)).join('\n\n');
}

function renderPolicy(policy: ResolvedPolicy, sources: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  const slice = (file: string, start: number, end: number): string => (sources.get(file) ?? '').slice(start, end).replace(/\s+/g, ' ');
  if (policy.defaultAction !== undefined) {
    const { action, origin } = policy.defaultAction;
    lines.push(`default: ${slice(origin.file, action.range.start.offset, action.range.end.offset)} (${origin.file}:${origin.range.start.line})`);
  }
  lines.push(`denylist: ${policy.denylist}`);
  for (const syscall of policy.syscalls) {
    lines.push(`${syscall.group === undefined ? syscall.name : `${syscall.name}@${syscall.group}`}:`);
    for (const rule of syscall.rules) {
      const via = rule.origin.includeChain.map((site) => `${site.file}:${site.range.start.line}`).join(' > ');
      const text = slice(rule.origin.file, rule.filter.range.start.offset, rule.filter.range.end.offset);
      lines.push(`  ${rule.origin.file}:${rule.origin.colonRange.start.line}:${rule.origin.colonRange.start.column} ${text}${via === '' ? '' : `  [via ${via}]`}`);
    }
  }
  for (const [descriptor, count] of policy.frequencies) lines.push(`frequency ${descriptor}: ${count}`);
  lines.push(`files: ${policy.files.map((file) => `${file.path} (${file.role}${file.outside === true ? ', outside' : ''})`).join(', ')}`);
  return lines.join('\n');
}

function runCase(name: string): string {
  const caseDir = join(fixturesDir, name);
  const options = JSON.parse(readFileSync(join(caseDir, 'case.json'), 'utf8')) as CaseOptions;
  const files: Record<string, string> = {};
  collectFiles(caseDir, '', files);
  const served: Record<string, string> = {};
  for (const [path, text] of Object.entries(files)) served[`/${name}${path}`] = text;
  const sources = new Map(Object.entries(served));
  const host = createMemoryHost(served);
  if (options.tree !== undefined) {
    const result = lintPolicyTree(`/${name}/${options.tree}`, { host, ...(options.lint ? { lint: options.lint } : {}) });
    const roles = result.archs.flatMap((arch) => arch.files.map((file) => `${file.path}: ${file.role.kind}`));
    return `${render(result.diagnostics, sources)}\n\n== roles\n${roles.join('\n')}\n`;
  }
  const policy = resolvePolicy(`/${name}/${options.entry ?? 'main.policy'}`, {
    host,
    ...(options.dialect ? { dialect: options.dialect } : {}),
    ...(options.arch ? { arch: options.arch } : {}),
    ...(options.denylist === undefined ? {} : { denylist: options.denylist }),
    ...(options.depthLimit === undefined ? {} : { depthLimit: options.depthLimit }),
    ...(options.maxIncludes === undefined ? {} : { maxIncludes: options.maxIncludes }),
    ...(options.includeMap ? { includeMap: options.includeMap.map((m) => ({ from: m.from, to: `/${name}${m.to}` })) } : {}),
    ...(options.includeRoots ? { includeRoots: options.includeRoots.map((root) => `/${name}${root}`) } : {}),
    ...(options.allowIncludesOutside === undefined ? {} : { allowIncludesOutside: options.allowIncludesOutside }),
  });
  // Code frames show what the resolver returns for each file it read (redacted outside the roots).
  for (const file of policy.files) sources.set(file.path, file.text);
  return `${render(policy.diagnostics, sources)}\n\n== resolved\n${renderPolicy(policy, sources)}\n`;
}

const cases = readdirSync(fixturesDir)
  .filter((name) => statSync(join(fixturesDir, name)).isDirectory())
  .sort();

describe('fixtures', () => {
  it('has fixture cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });
  it.each(cases)('%s', (name) => {
    const actual = runCase(name);
    const expectedPath = join(fixturesDir, name, 'expected.txt');
    expectFixtureText(expectedPath, actual);
  });
});
