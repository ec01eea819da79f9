/**
 * "Try a syscall" against fixture folders: `tests/fixtures/simulate/<case>/main.policy` (plus
 * the files it includes) and `cases.txt`, one expectation a line:
 *
 *   arch [--flag …]: syscall(arg0, arg1, …) -> ACTION [because REASON] [@ FILE:LINE]
 *   arch [--flag …]: syscall(…) -> error: MESSAGE
 *
 * ACTION is the emulated program's return value as the page shows it (`ALLOW`, `ERRNO(1) EPERM`,
 * `KILL_THREAD`); REASON is part of the explanation; FILE:LINE is the deciding rule's location.
 * Flags are the `syscage compile` ones the page offers: --denylist, --use-kill-process,
 * --log-failures, --no-optimize.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeWorkspace, type Analysis } from '../src/analysis.js';
import { displayPath } from '../src/dispatch-view.js';
import { simulateSyscall } from '../src/simulate.js';
import type { CompileFlags } from '../src/workspace.js';
import { fixtureCases, fixtureFiles, fixtureRoot, TABLES } from './support/fixtures.js';

const FLAGS: Readonly<Record<string, CompileFlags>> = {
  '--denylist': { denylist: true },
  '--use-kill-process': { useKillProcess: true },
  '--log-failures': { logFailures: true },
  '--no-optimize': { optimize: false },
};

interface Expectation {
  readonly line: number;
  readonly text: string;
  readonly arch: string;
  readonly flags: CompileFlags;
  readonly syscall: string;
  readonly args: string[];
  readonly outcome: { kind: 'action'; action: string; reason?: string; location?: string } | { kind: 'error'; message: string };
}

const LINE = /^(\S+)((?: --[a-z-]+)*): ([^\s(]*)\((.*)\) -> (?:error: (.+)|(.+?)(?: because (.+?))?(?: @ (\S+))?)$/;

function readCases(folder: string): Expectation[] {
  return readFileSync(join(folder, 'cases.txt'), 'utf8')
    .split('\n')
    .flatMap((text, index) => {
      if (text.trim() === '' || text.startsWith('#')) return [];
      const match = LINE.exec(text);
      if (!match) throw new Error(`cases.txt:${index + 1}: cannot read "${text}"`);
      const [, arch = '', flagText = '', syscall = '', argText = '', errorMessage, action = '', reason, location] = match;
      const flags = flagText
        .split(' ')
        .filter((flag) => flag !== '')
        .reduce<CompileFlags>((all, flag) => {
          const known = FLAGS[flag];
          if (known === undefined) throw new Error(`cases.txt:${index + 1}: unknown flag ${flag}`);
          return { ...all, ...known };
        }, {});
      return [
        {
          line: index + 1,
          text,
          arch,
          flags,
          syscall,
          args: argText.trim() === '' ? [] : argText.split(',').map((arg) => arg.trim()),
          outcome:
            errorMessage !== undefined
              ? { kind: 'error' as const, message: errorMessage }
              : { kind: 'action' as const, action, ...(reason === undefined ? {} : { reason }), ...(location === undefined ? {} : { location }) },
        },
      ];
    });
}

const rows = fixtureCases('simulate').flatMap((name) => {
  const folder = join(fixtureRoot('simulate'), name);
  return readCases(folder).map((expectation) => ({ name, folder, expectation }));
});

const analyses = new Map<string, Analysis>();
function analysisFor(folder: string, arch: string, flags: CompileFlags): Analysis {
  const key = `${folder}|${arch}|${JSON.stringify(flags)}`;
  let analysis = analyses.get(key);
  if (analysis === undefined) {
    analysis = analyzeWorkspace({ arch, entry: '/main.policy', files: fixtureFiles(folder), flags }, TABLES.get(arch));
    analyses.set(key, analysis);
  }
  return analysis;
}

describe('simulate fixtures', () => {
  it('found cases in every fixture folder', () => {
    expect(new Set(rows.map((row) => row.name))).toEqual(new Set(fixtureCases('simulate')));
  });

  it.each(rows.map((row) => [`${row.name}:${row.expectation.line} ${row.expectation.text}`, row] as const))('%s', (_title, { folder, expectation }) => {
    const analysis = analysisFor(folder, expectation.arch, expectation.flags);
    expect(analysis.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    const compiled = analysis.compiled;
    if (compiled === undefined) throw new Error('the fixture did not compile');
    const result = simulateSyscall({ syscall: expectation.syscall, args: expectation.args }, compiled, analysis.resolved, analysis.sources);
    const { outcome } = expectation;
    if (outcome.kind === 'error') {
      expect(result).toEqual({ ok: false, message: outcome.message });
      return;
    }
    if (!result.ok) throw new Error(result.message);
    expect(result.errnoName === undefined ? result.actionText : `${result.actionText} ${result.errnoName}`).toBe(outcome.action);
    expect(result.agrees).toBe(true);
    if (outcome.reason !== undefined) expect(result.reason).toContain(outcome.reason);
    const location = result.link === undefined ? undefined : `${result.link.file.slice(1)}:${result.link.range.start.line}`;
    expect(location).toBe(outcome.location);
    // The run ends in a `ret`, and the drawn dispatch tree follows the same run to a leaf on it.
    const last = result.path[result.path.length - 1] ?? -1;
    expect(compiled.instructions[last]?.mnemonic).toBe('ret');
    if (compiled.tree !== undefined && result.path.length > 3) {
      const ids = displayPath(compiled.tree, result.path, compiled.instructions);
      expect(ids.length).toBeGreaterThan(0);
    }
  });
});
