// `syscage flatten`, run in-process on policies written to a temporary folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

const files: Record<string, string> = {
  'x86_64/common_device.policy': 'read: 1\nwrite: 1\nioctl: arg1 == TCGETS\n',
  'x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nioctl: arg1 == TIOCGWINSZ\nopenat: return ENOENT\n',
  'x86_64/mixed.policy': 'openat: arg2 == O_RDONLY\nopenat: trap\n',
  'x86_64/errno.policy': 'openat: arg2 == O_RDONLY\nopenat: return EACCES\n',
  'aarch64/net_device.policy': 'read: 1\n',
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-flatten-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage flatten', () => {
  it('prints one self-contained file with one line per syscall', async () => {
    const result = await runInProcess(['flatten', 'x86_64/net_device.policy', '--default-action', 'trap'], folder);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter((line) => !line.startsWith('#'))).toEqual(['read: 1', 'write: 1', 'ioctl: arg1 == 0x5401 || arg1 == 0x5413', 'openat: return 2', '']);
    expect(result.stdout).toMatch(/^# Flattened by syscage from x86_64\/net_device\.policy for x86_64; do not edit\.\n/);
  });

  it('writes -o FILE, which `check --dialect minijail-c` finds clean', async () => {
    const result = await runInProcess(['flatten', 'x86_64/net_device.policy', '--default-action', 'trap', '-o', 'flat/net_device.policy'], folder);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('→ flat/net_device.policy');
    // The dialect is what this checks; the reviewer's lint (SC2050) would ask for the comments a
    // flattened file does not carry.
    const check = await runInProcess(['check', '--dialect', 'minijail-c', '--no-review-lint', '--arch', 'x86_64', 'flat/net_device.policy'], folder);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('writes several policies into OUT/<arch>/<name>.policy', async () => {
    const result = await runInProcess(['flatten', 'x86_64/net_device.policy', 'aarch64/net_device.policy', '-o', 'many'], folder);
    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'many/aarch64/net_device.policy'), 'utf8')).toContain('read: 1\n');
    expect(existsSync(join(folder, 'many/x86_64/net_device.policy'))).toBe(true);
  });

  it('names what libminijail cannot express and writes nothing', async () => {
    const result = await runInProcess(['flatten', 'x86_64/mixed.policy', '-o', 'mixed.policy'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('x86_64/mixed.policy:2:1: error[SC4031]');
    expect(result.stderr).toContain('nothing written');
    expect(existsSync(join(folder, 'mixed.policy'))).toBe(false);
  });

  it('writes conditions with an errno for the rest as libminijail reads them, which `check --dialect minijail-c` accepts with a warning', async () => {
    const result = await runInProcess(['flatten', 'x86_64/errno.policy', '-o', 'flat/errno.policy'], folder);
    expect(result.code).toBe(0);
    expect(readFileSync(join(folder, 'flat/errno.policy'), 'utf8')).toMatch(/^openat: arg2 == 0x0; return 13$/m);
    const check = await runInProcess(['check', '--dialect', 'minijail-c', '--no-review-lint', '--arch', 'x86_64', 'flat/errno.policy'], folder);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('warning[SC2052]');
    expect(check.stderr).not.toMatch(/error\[/);
  });

  it('needs -o for several policies', async () => {
    const result = await runInProcess(['flatten', 'x86_64/net_device.policy', 'aarch64/net_device.policy'], folder);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('several policies need -o FOLDER');
  });
});
