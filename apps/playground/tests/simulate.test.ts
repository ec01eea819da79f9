/**
 * "Try a syscall" against fixture folders: `tests/fixtures/simulate/<case>/main.policy` (plus
 * the files it includes) and `cases.txt`, one expectation a line:
 *
 *   arch [--flag …]: syscall(arg0, arg1, …) -> ACTION [because REASON] [@ FILE:LINE]
 *   arch [--flag …]: syscall(…) -> error: MESSAGE
 *
 * ACTION is the emulated program's return value as the page shows it (`ALLOW`, `ERRNO(1) EPERM`,
 * `KILL_THREAD`); REASON is the explanation; FILE:LINE is the deciding rule's location.
 * Flags are the `syscage compile` ones the page offers: --denylist, --use-kill-process,
 * --log-failures, --no-optimize. `SYSCAGE_UPDATE_FIXTURES=1` rewrites what follows `->` on every
 * line from what the page shows now (REASON in full), as every fixture suite does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { updatingFixtures } from '../../../tools/fixtures/index.js';
import { analyzeWorkspace, type Analysis } from '../src/analysis.js';
import { displayPath } from '../src/dispatch-view.js';
import { type SimulationResult, simulateSyscall } from '../src/simulate.js';
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
}

const LINE = /^(\S+)((?: --[a-z-]+)*): ([^\s(]*)\((.*)\) -> .+$/;

function readCases(folder: string): Expectation[] {
  return readFileSync(join(folder, 'cases.txt'), 'utf8')
    .split('\n')
    .flatMap((text, index) => {
      if (text.trim() === '' || text.startsWith('#')) return [];
      const match = LINE.exec(text);
      if (!match) throw new Error(`cases.txt:${index + 1}: cannot read "${text}"`);
      const [, arch = '', flagText = '', syscall = '', argText = ''] = match;
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

/** The line of `cases.txt` that says what `result` is, for the request of `expectation`. */
function caseLine(expectation: Expectation, result: SimulationResult): string {
  const request = expectation.text.slice(0, expectation.text.indexOf(' -> '));
  if (!result.ok) return `${request} -> error: ${result.message}`;
  const action = result.errnoName === undefined ? result.actionText : `${result.actionText} ${result.errnoName}`;
  const location = result.link === undefined ? '' : ` @ ${result.link.file.slice(1)}:${result.link.range.start.line}`;
  return `${request} -> ${action} because ${result.reason}${location}`;
}

/** Update mode: the new text of each rewritten line, by `cases.txt` path and line number. */
const rewritten = new Map<string, Map<number, string>>();

afterAll(() => {
  for (const [path, lines] of rewritten) {
    const text = readFileSync(path, 'utf8').split('\n');
    for (const [line, replacement] of lines) text[line - 1] = replacement;
    writeFileSync(path, text.join('\n'));
  }
});

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
    const line = caseLine(expectation, result);
    if (updatingFixtures()) {
      const path = join(folder, 'cases.txt');
      rewritten.set(path, (rewritten.get(path) ?? new Map<number, string>()).set(expectation.line, line));
    } else expect(line).toBe(expectation.text);
    if (!result.ok) return;
    expect(result.agrees).toBe(true);
    // The run ends in a `ret`, and the drawn dispatch tree follows the same run to a leaf on it.
    const last = result.path[result.path.length - 1] ?? -1;
    expect(compiled.instructions[last]?.mnemonic).toBe('ret');
    if (compiled.tree !== undefined && result.path.length > 3) {
      const ids = displayPath(compiled.tree, result.path, compiled.instructions);
      expect(ids.length).toBeGreaterThan(0);
    }
  });
});
