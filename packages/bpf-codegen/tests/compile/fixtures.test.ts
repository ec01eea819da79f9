// Fixture runner: every folder under fixtures/ holds input.policy, case.json ({arch, options,
// files}) and expected.txt. Success cases list probes `SYSCALL [ARGS…] => DECISION` (also
// `nr=N` for a raw number and `arch=A` for another audit arch); the program's decision and the
// reference semantics' must both match. Cases under _error_/ list the expected diagnostics.
// SYSCAGE_UPDATE_FIXTURES=1 rewrites expected.txt from the current output: each probe's decision
// (the program's; the reference semantics must still agree) or the diagnostics. Review the diff.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectFixtureText } from '../../../../tools/fixtures/index.js';
import type { GenerateOptions } from '../../src/compile.js';
import { evaluatePolicy } from '../../src/reference.js';
import { compileText, decide, describeAction, numberOf, tableNamed } from './helpers.js';

interface FixtureCase {
  readonly arch: string;
  readonly options?: GenerateOptions;
  readonly files?: Readonly<Record<string, string>>;
}

const root = new URL('./fixtures/', import.meta.url).pathname;
const errorRoot = `${root}_error_/`;

function folders(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== '_error_')
    .map((entry) => entry.name)
    .sort();
}

function load(folder: string): { text: string; spec: FixtureCase; expected: string; expectedPath: string } {
  return {
    text: readFileSync(`${folder}/input.policy`, 'utf8'),
    spec: JSON.parse(readFileSync(`${folder}/case.json`, 'utf8')) as FixtureCase,
    expected: readFileSync(`${folder}/expected.txt`, 'utf8'),
    expectedPath: `${folder}/expected.txt`,
  };
}

function compileFixture(text: string, spec: FixtureCase) {
  const table = tableNamed(spec.arch);
  const files = Object.fromEntries(Object.entries(spec.files ?? {}).map(([name, content]) => [`/p/${name}`, content]));
  return { table, ...compileText(text, table, spec.options ?? {}, files) };
}

describe('compile fixtures', () => {
  it.each(folders(root))('%s', (name) => {
    const { text, spec, expected, expectedPath } = load(`${root}${name}`);
    const { table, resolved, result } = compileFixture(text, spec);
    expect(resolved.diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    const program = result.program;
    const lowered = result.lowered;
    if (program === undefined || lowered === undefined) throw new Error('no program');
    const isProbe = (line: string): boolean => line.trim() !== '' && !line.startsWith('#');
    expect(expected.split('\n').filter(isProbe).length).toBeGreaterThan(0);
    // The file as the program decides it now: comments and probe inputs kept, decisions rewritten.
    const decided = expected.split('\n').map((probe) => {
      if (!isProbe(probe)) return probe;
      const input = probe.split('=>')[0] ?? '';
      let arch = table.auditArch;
      let nr: number | undefined;
      const args: bigint[] = [];
      for (const word of input.trim().split(/\s+/)) {
        if (word.startsWith('arch=')) arch = Number(word.slice(5));
        else if (word.startsWith('nr=')) nr = Number(word.slice(3));
        else if (nr === undefined) nr = numberOf(table, word);
        else args.push(BigInt(word));
      }
      if (nr === undefined) throw new Error(`probe without a syscall: ${probe}`);
      while (args.length < 6) args.push(0n);
      const decision = decide(program, arch, nr, args);
      expect(describeAction(evaluatePolicy(lowered, { nr, arch, args }).action), `reference: ${probe}`).toBe(decision);
      return `${input}=> ${decision}`;
    });
    expectFixtureText(expectedPath, decided.join('\n'));
  });
});

describe('compile error fixtures', () => {
  it.each(folders(errorRoot))('%s', (name) => {
    const { text, spec, expectedPath } = load(`${errorRoot}${name}`);
    const { result } = compileFixture(text, spec);
    expect(result.program).toBeUndefined();
    const rendered = result.diagnostics.map(
      (diagnostic) =>
        `${diagnostic.code} ${diagnostic.range.start.line}:${diagnostic.range.start.column} ${diagnostic.message}` +
        (diagnostic.suggestion === undefined ? '' : ` (${diagnostic.suggestion})`),
    );
    expectFixtureText(expectedPath, `${rendered.join('\n')}\n`);
  });
});
