// `syscage parse`, run in-process against policy files written to a temporary folder.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

const files: Record<string, string> = {
  'good.policy': '# comment\nread: allow\nwrite: arg0 == 1 || arg0 == 2\n@default trap\n',
  'bad.policy': 'read: allow\nwrite arg0\nopenat: arg7 == 1\nclose: 1\n',
  'hot.frequency': 'read: 10\nwrite: 5\n',
  'bad.frequency': 'read: -1\nwrite: 5\n',
  'warn.frequency': 'read: 10 extra\n',
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-parse-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage parse (text)', () => {
  it('prints one summary line per file and exits 0 for a valid policy', async () => {
    const result = await runInProcess(['parse', 'good.policy'], folder);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('good.policy: 3 statements, 0 errors, 0 warnings\n');
    expect(result.stderr).toBe('');
  });

  it('prints code frames for every error, and exits 1', async () => {
    const result = await runInProcess(['parse', 'bad.policy'], folder);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('bad.policy: 2 statements, 2 errors, 0 warnings\n');
    expect(result.stderr).toContain('bad.policy:2:7: error[SC1003]: invalid colon');
    expect(result.stderr).toContain('2 | write arg0\n  |       ^^^^\n');
    expect(result.stderr).toContain('bad.policy:3:9: error[SC1015]: invalid argument');
    expect(result.stderr).toContain('2 errors, 0 warnings');
  });

  it('parses .frequency files with the frequency parser', async () => {
    const good = await runInProcess(['parse', 'hot.frequency'], folder);
    expect(good).toMatchObject({ code: 0, stdout: 'hot.frequency: 2 entries, 0 errors, 0 warnings\n' });
    const bad = await runInProcess(['parse', 'bad.frequency'], folder);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad.frequency:1:7: error[SC1039]: invalid number');
  });

  it('exits 0 when there are only warnings', async () => {
    const result = await runInProcess(['parse', 'warn.frequency'], folder);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning[SC1041]');
    expect(result.stdout).toBe('warn.frequency: 1 entry, 0 errors, 1 warning\n');
  });

  it('exits 3 for an unreadable file and still parses the others', async () => {
    const result = await runInProcess(['parse', 'missing.policy', 'good.policy'], folder);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot read missing.policy: ENOENT');
    expect(result.stdout).toContain('good.policy: 3 statements');
  });

  it('rejects an unknown format as a usage error', async () => {
    const result = await runInProcess(['parse', '--format', 'xml', 'good.policy'], folder);
    expect(result.code).toBe(2);
  });
});

describe('syscage parse on the repository examples (the README main job)', () => {
  it('parses examples/*.policy and the frequency file without errors', async () => {
    const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
    const names = readdirSync(join(repoRoot, 'examples'))
      .filter((name) => name.endsWith('.policy') || name.endsWith('.frequency'))
      .sort()
      .map((name) => `examples/${name}`);
    expect(names.length).toBeGreaterThanOrEqual(3);
    const result = await runInProcess(['parse', ...names], repoRoot);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(names.length);
    expect(result.stdout).not.toMatch(/: 0 (statements|entries)/);
  });
});

describe('syscage parse --format json', () => {
  it('prints the AST with bigints as decimal strings and without raw tokens', async () => {
    const result = await runInProcess(['parse', '--format', 'json', 'good.policy', 'hot.frequency'], folder);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      files: { file: string; kind: string; statements?: Record<string, unknown>[]; entries?: { count: string }[]; diagnostics: unknown[] }[];
    };
    expect(output.files.map((file) => [file.file, file.kind])).toEqual([
      ['good.policy', 'policy'],
      ['hot.frequency', 'frequency'],
    ]);
    const statements = output.files[0]?.statements ?? [];
    expect(statements.map((statement) => statement.kind)).toEqual(['filter-statement', 'filter-statement', 'default']);
    expect(statements[0]).not.toHaveProperty('tokens');
    expect(JSON.stringify(statements[1])).toContain('"value":"1"');
    expect(output.files[1]?.entries?.map((entry) => entry.count)).toEqual(['10', '5']);
  });

  it('includes diagnostics and exits 1 on errors', async () => {
    const result = await runInProcess(['parse', '--format', 'json', 'bad.policy'], folder);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout) as { files: { diagnostics: { code: string; range: { start: { line: number } } }[] }[] };
    expect(output.files[0]?.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([
      ['SC1003', 2],
      ['SC1015', 3],
    ]);
    expect(result.stderr).toBe('');
  });
});
