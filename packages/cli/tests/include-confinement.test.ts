// Includes never leave the tree without a flag (SECURITY.md): `@include ./sub/../../.env`, an
// absolute path no include map covers and a link out of the folder are SC2045 errors and are
// not read; with --allow-outside-includes they are read, but a file that is not a policy gets one
// error (SC2046) and no code frame shows more than an offending token of such a file.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-confine-cli-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const secretValue = 'hunter2-do-not-print';
mkdirSync(join(scratch, 'work', 'x86_64'), { recursive: true });
writeFileSync(join(scratch, '.env'), `API_KEY=${secretValue}\nDB_PASSWORD=${secretValue}\n`);
writeFileSync(join(scratch, 'typos.policy'), `write: allow\nopenat: arg1 == ${secretValue} &&\n`);
const work = join(scratch, 'work', 'x86_64');
const policy = (name: string, text: string): string => {
  writeFileSync(join(work, name), text);
  return name;
};
const dotdot = policy('dotdot.policy', '@include ./sub/../../../.env\nread: allow\n');
const absolute = policy('absolute.policy', '@include /proc/self/environ\nread: allow\n');
const typos = policy('typos-outside.policy', '@include ./sub/../../../typos.policy\nread: allow\n');
const fine = policy('fine.policy', '@include ./common.policy\nread: allow\n');
policy('common.policy', 'close: allow\n');
symlinkSync(join(scratch, '.env'), join(work, 'linked.policy'));
const linked = policy('linked-include.policy', '@include ./linked.policy\nread: allow\n');

describe('check keeps includes inside the policy folder', () => {
  it.each([
    ['a ./…/../ path', dotdot, '1:10'],
    ['an absolute path no include map covers', absolute, '1:10'],
    ['a link that leads out of the folder', linked, '1:10'],
  ])('refuses %s with SC2045 and prints none of the file', async (_name, file, position) => {
    const result = await runInProcess(['check', file], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:${position}: error[SC2045]`);
    expect(result.stderr).not.toContain(secretValue);
  });

  it('reads an include inside the folder', async () => {
    const result = await runInProcess(['check', fine], work);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('with --allow-outside-includes, a file that is not a policy is one error and none of its lines', async () => {
    const result = await runInProcess(['check', '--allow-outside-includes', dotdot], work);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/error\[/g)).toHaveLength(1);
    expect(result.stderr).toContain(`${dotdot}:1:1: error[SC2046]: .env is not a policy file`);
    expect(result.stderr).not.toContain(secretValue);
  });

  it('with --allow-outside-includes, frames of an outside policy show only the offending token', async () => {
    const result = await runInProcess(['check', '--allow-outside-includes', typos], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/typos\.policy:2:\d+: error\[SC1/);
    expect(result.stderr).not.toContain(secretValue);
    expect(result.stderr).not.toContain('openat');
  });
});

describe('every command that reads policies confines includes', () => {
  it('compile refuses and writes nothing', async () => {
    const result = await runInProcess(['compile', '-o', join(scratch, 'out.bpf'), absolute], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error[SC2045]');
  });

  it('explain refuses', async () => {
    const result = await runInProcess(['explain', '--syscall', 'read', dotdot], work);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error[SC2045]');
    expect(result.stderr).not.toContain(secretValue);
  });

  it('--allow-outside-includes is a usage error for a compiled program', async () => {
    writeFileSync(join(scratch, 'p.bpf'), new Uint8Array(8));
    const result = await runInProcess(['disasm', '--arch', 'x86_64', '--allow-outside-includes', join(scratch, 'p.bpf')], work);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--allow-outside-includes');
  });
});

describe('build keeps includes inside the tree', () => {
  const fixtureTree = fileURLToPath(new URL('fixtures/build/default-from-policy/tree', import.meta.url));

  it('builds a tree whose policies include through /usr/share/policy/crosvm', async () => {
    const result = await runInProcess(['build', '--no-audit', '--no-review-lint', fixtureTree, '--out', join(scratch, 'built')], scratch);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses a block that is a link out of the tree', async () => {
    const tree = join(scratch, 'linked-tree');
    cpSync(fixtureTree, tree, { recursive: true });
    rmSync(join(tree, 'x86_64/echo.policy'));
    writeFileSync(join(scratch, 'echo-outside.policy'), 'ioctl: allow\n');
    symlinkSync(join(scratch, 'echo-outside.policy'), join(tree, 'x86_64/echo.policy'));
    const result = await runInProcess(['build', '--no-audit', '--no-review-lint', tree, '--out', join(scratch, 'built-linked')], scratch);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('echo_device.policy:2:10: error[SC2045]');
    const allowed = await runInProcess(['build', '--no-audit', '--no-review-lint', tree, '--allow-outside-includes', '--out', join(scratch, 'built-linked')], scratch);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
  });
});
