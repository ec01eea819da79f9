// `syscage build` on the fixture trees under tests/fixtures/build/<case>/ (must-fail cases under
// _error_/): each case has a `tree/` folder and a `case.json` with the arguments, the expected
// exit code, substrings of stderr, and fields of the manifest it must write.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runInProcess } from './helpers.js';

interface ExpectedEntry {
  readonly status: 'ok' | 'error';
  readonly defaultAction?: string;
}

interface FixtureCase {
  readonly description: string;
  readonly args: readonly string[];
  readonly exit: number;
  readonly stderr?: readonly string[];
  readonly manifest: {
    readonly ok: boolean;
    readonly defaultActionOverride?: string;
    readonly sizeBudgetOverride?: string;
    readonly policies?: Readonly<Record<string, ExpectedEntry>>;
  };
}

interface WrittenEntry {
  readonly policy: string;
  readonly status: 'ok' | 'error';
  readonly output?: string;
  readonly outputSha256?: string;
  readonly instructions?: number;
  readonly defaultAction?: string;
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

// Whole-tree builds take a few seconds of CPU each; leave room for a busy machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
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
    expect(result.code, `${spec.description}\n${result.stderr}`).toBe(spec.exit);
    for (const text of spec.stderr ?? []) expect(result.stderr).toContain(text);
    if (spec.exit === 0) expect(result.stderr).not.toContain('error[');
    expect(name.startsWith('_error_')).toBe(spec.exit !== 0);

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      ok: boolean;
      defaultActionOverride: string | null;
      sizeBudgetOverride: string | null;
      policies: WrittenEntry[];
    };
    expect(manifest.ok).toBe(spec.manifest.ok);
    expect(manifest.defaultActionOverride).toBe(spec.manifest.defaultActionOverride ?? null);
    expect(manifest.sizeBudgetOverride).toBe(spec.manifest.sizeBudgetOverride ?? null);
    for (const [policy, expected] of Object.entries(spec.manifest.policies ?? {})) {
      const entry = manifest.policies.find((candidate) => candidate.policy === policy);
      expect(entry, `manifest entry for ${policy}`).toBeDefined();
      expect(entry).toMatchObject(expected);
    }
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
