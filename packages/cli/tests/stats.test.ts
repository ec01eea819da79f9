import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();
writeFileSync(join(root, 'hot.frequency'), 'read: 10\nmmap: 2\n');

describe('syscage stats', () => {
  it('prints the figures of a hand-made program (computed by hand)', async () => {
    const result = await runInProcess(['stats', 'allowlist.bpf', '--arch', 'x86_64', '--frequency', 'hot.frequency'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('instructions:        19');
    expect(result.stdout).toContain('always allowed:      3');
    expect(result.stdout).toContain('conditional:         1 (mmap)');
    expect(result.stdout).toContain('cache coverage:      100.0%');
    expect(result.stdout).toContain(`cost uniform:        ${((6 + 7 + 8 + 13) / 4).toFixed(2)}`);
    expect(result.stdout).toContain(`cost frequency:      ${((10 * 6 + 7 + 8 + 2 * 13) / 14).toFixed(2)}`);
    expect(result.stdout).toContain(`cost with cache:     ${((2 * 13) / 14).toFixed(2)}`);
    expect(result.stdout).toContain('max cost:            13.00');
  });

  it('prints JSON', async () => {
    const result = await runInProcess(['stats', 'allowlist.bpf', '--arch', 'x86_64', '--json'], root);
    const parsed = JSON.parse(result.stdout) as { alwaysAllowed: number; conditional: number; costUniform: number; allowed: { name: string; cost: number; cacheable: boolean }[] };
    expect(parsed).toMatchObject({ alwaysAllowed: 3, conditional: 1, costUniform: 8.5 });
    expect(parsed.allowed.map((s) => [s.name, s.cost, s.cacheable])).toEqual([
      ['read', 6, true],
      ['write', 7, true],
      ['mmap', 13, false],
      ['exit_group', 8, true],
    ]);
  });

  it('analyses the program a policy compiles to', async () => {
    const result = await runInProcess(['stats', 'x86_64/old.policy', '--default-action', 'trap', '--json'], root);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ alwaysAllowed: 2, conditional: 2, cacheCoverage: 1 });
  });

  it('reports a bad frequency file with its location', async () => {
    writeFileSync(join(root, 'bad.frequency'), 'read 10\n');
    const result = await runInProcess(['stats', 'allowlist.bpf', '--arch', 'x86_64', '--frequency', 'bad.frequency'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.frequency:1');
  });
});
