// compile and build prove every program before writing it: a program that is not proved (here a
// compiler made to return ALLOW where the policy says ERRNO) is a compiler bug, exit 70, nothing
// written for it; --no-verify writes it; a proved program is recorded as such in the manifest.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Codegen from '@syscage/bpf-codegen';
import { runInProcess } from './helpers.js';

/** When true, compilePolicy's programs answer ALLOW wherever they would answer ERRNO(13). */
const sabotage = vi.hoisted(() => ({ on: false }));

vi.mock('@syscage/bpf-codegen', async (importOriginal) => {
  const actual = await importOriginal<typeof Codegen>();
  return {
    ...actual,
    compilePolicy: (...args: Parameters<typeof actual.compilePolicy>): ReturnType<typeof actual.compilePolicy> => {
      const result = actual.compilePolicy(...args);
      if (!sabotage.on || result.program === undefined) return result;
      return { ...result, program: result.program.map((insn) => (insn.code === 0x06 && insn.k === 0x0005000d ? { ...insn, k: 0x7fff0000 } : insn)) };
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'syscage-proof-'));
mkdirSync(join(root, 'tree', 'x86_64'), { recursive: true });
writeFileSync(join(root, 'tree', 'x86_64', 'rng_device.policy'), 'read: allow\nopenat: return EACCES\n');

beforeEach(() => {
  sabotage.on = false;
});

describe('compile and build prove what they write', () => {
  it('compile: a proved program is written', async () => {
    const result = await runInProcess(['compile', 'tree/x86_64/rng_device.policy', '-o', 'good.bpf'], root);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(root, 'good.bpf'))).toBe(true);
  });

  it('compile: a program that is not proved is a compiler bug, exit 70, nothing written', async () => {
    sabotage.on = true;
    const result = await runInProcess(['compile', 'tree/x86_64/rng_device.policy', '-o', 'bad.bpf'], root);
    expect(result.code).toBe(70);
    expect(result.stderr).toContain('syscage: internal error: tree/x86_64/rng_device.policy (x86_64): the compiled program is not proved against the policy: openat(');
    expect(result.stderr).toContain('gets ALLOW from the filter and ERRNO(13) from the policy (rule ');
    expect(result.stderr).toContain('this is a compiler bug, please report it');
    expect(existsSync(join(root, 'bad.bpf'))).toBe(false);
  });

  it('compile --no-verify writes it', async () => {
    sabotage.on = true;
    const result = await runInProcess(['compile', 'tree/x86_64/rng_device.policy', '-o', 'unchecked.bpf', '--no-verify'], root);
    expect(result.code).toBe(0);
    expect(existsSync(join(root, 'unchecked.bpf'))).toBe(true);
  });

  it('build: records verified: proved for each entry; --no-verify records nothing', async () => {
    const proved = await runInProcess(['build', 'tree', '-o', 'out-proved', '--lint', 'off'], root);
    expect(proved.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(root, 'out-proved', 'manifest.json'), 'utf8')) as { policies: { verified?: string }[] };
    expect(manifest.policies.map((entry) => entry.verified)).toEqual(['proved']);
    const unchecked = await runInProcess(['build', 'tree', '-o', 'out-unchecked', '--lint', 'off', '--no-verify'], root);
    expect(unchecked.code).toBe(0);
    const plain = JSON.parse(readFileSync(join(root, 'out-unchecked', 'manifest.json'), 'utf8')) as { policies: { verified?: string }[] };
    expect(plain.policies.map((entry) => entry.verified)).toEqual([undefined]);
  });

  it('build: a program that is not proved is SC9504, exit 70, and is not written', async () => {
    sabotage.on = true;
    const result = await runInProcess(['build', 'tree', '-o', 'out-bad', '--lint', 'off'], root);
    expect(result.code).toBe(70);
    expect(result.stderr).toContain('SC9504');
    expect(result.stderr).toContain('gets ALLOW from the filter and ERRNO(13) from the policy');
    expect(existsSync(join(root, 'out-bad', 'x86_64', 'rng_device.bpf'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(root, 'out-bad', 'manifest.json'), 'utf8')) as { ok: boolean; policies: { status: string }[] };
    expect(manifest.ok).toBe(false);
    expect(manifest.policies.map((entry) => entry.status)).toEqual(['error']);
  });
});
