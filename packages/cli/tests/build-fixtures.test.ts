// `syscage build` on the fixture trees under tests/fixtures/build/<case>/ (must-fail cases under
// _error_/): each case has a `tree/` folder, a `case.json` with its description and arguments,
// and an `expected.json` with the exit code, the diagnostics printed and the manifest's verdict
// per policy (SYSCAGE_UPDATE_FIXTURES=1 rewrites it from the current output: review the diff).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { expectFixtureJson } from '../../../tools/fixtures/index.js';
import type { Manifest } from '../src/build/manifest.js';
import { runInProcess } from './helpers.js';

interface FixtureCase {
  readonly description: string;
  readonly args: readonly string[];
}

/** A diagnostic's heading on stderr: where, how bad and which code (the message may be reworded). */
const diagnosticHeading = /^\S+:\d+:\d+: (?:error|warning|note)\[SC\d+\]/gm;

/**
 * What a case's `expected.json` records of a build: the exit code, the diagnostics' headings in
 * the order printed, and of the manifest its verdict, overrides and each policy's status,
 * default action and length.
 */
function observed(code: number, stderr: string, manifest: Manifest): unknown {
  return {
    exit: code,
    diagnostics: stderr.match(diagnosticHeading) ?? [],
    manifest: {
      ok: manifest.ok,
      defaultActionOverride: manifest.defaultActionOverride,
      sizeBudgetOverride: manifest.sizeBudgetOverride,
      policies: Object.fromEntries(
        manifest.policies.map((entry) => [
          entry.policy,
          { status: entry.status, ...(entry.defaultAction === undefined ? {} : { defaultAction: entry.defaultAction }), ...(entry.instructions === undefined ? {} : { instructions: entry.instructions }) },
        ]),
      ),
    },
  };
}

const fixturesRoot = fileURLToPath(new URL('./fixtures/build', import.meta.url));

function findCases(folder: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (!statSync(path).isDirectory()) continue;
    if (existsSync(join(path, 'case.json'))) found.push(path);
    else found.push(...findCases(path));
  }
  return found;
}

const cases = findCases(fixturesRoot).map((path) => ({
  name: relative(fixturesRoot, path),
  path,
  spec: JSON.parse(readFileSync(join(path, 'case.json'), 'utf8')) as FixtureCase,
}));

// Whole-tree builds take a few seconds of CPU each, and ten times that in wall time on the shared
// 2-core machine under load (building policies/ took 37-54 s at load 25): the timeouts catch a
// hang only.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });
const scratch = mkdtempSync(join(tmpdir(), 'syscage-build-fixtures-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('syscage build fixtures', () => {
  it('finds the fixture cases, including must-fail ones', () => {
    expect(cases.length).toBeGreaterThanOrEqual(7);
    expect(cases.some((fixture) => fixture.name.startsWith('_error_'))).toBe(true);
  });

  it.each(cases)('$name', async ({ name, path, spec }) => {
    const out = join(scratch, name.replaceAll('/', '_'));
    const result = await runInProcess(['build', 'tree', '--out', out, ...spec.args], path);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expectFixtureJson(join(path, 'expected.json'), observed(result.code, result.stderr, manifest));
    // Must-fail cases live under _error_/, and a build that succeeds reports no error.
    expect(name.startsWith('_error_'), `${spec.description}\n${result.stderr}`).toBe(result.code !== 0);
    if (result.code === 0) expect(result.stderr).not.toContain('error[');
    // Every entry that claims success has its file, with the recorded hash and length; a failed
    // one has no file at all.
    for (const entry of manifest.policies) {
      const outputFile = join(out, entry.policy.replace(/\.policy$/, '.bpf'));
      if (entry.status === 'error') {
        expect(entry.output).toBeUndefined();
        expect(existsSync(outputFile)).toBe(false);
        continue;
      }
      const bytes = readFileSync(join(out, entry.output ?? ''));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.outputSha256);
      expect(bytes.length / 8).toBe(entry.instructions);
    }
  });
});
