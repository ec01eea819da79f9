// `syscage export --format oci`, run in-process on policies written to a temporary folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

const files: Record<string, string> = {
  'x86_64/net_device.policy': 'read: 1\nopenat: return ENOENT\nioctl: arg1 == 0x5401 || arg1 == 0x5413\n',
  'aarch64/net_device.policy': 'read: 1\nopenat: return ENOENT\nioctl: arg1 == 0x5401\n',
  'x86_64/same.policy': 'read: 1\n',
  'aarch64/same.policy': 'read: 1\n',
  'x86_64/mismatch.policy': '@default kill-process\nread: 1\n',
  'aarch64/mismatch.policy': '@default trap\nread: 1\n',
  'x86_64/huge.policy': 'read: arg0 >= 3 && arg0 <= 0xfffffffffffffff0 && arg1 >= 3 && arg1 <= 0xfffffffffffffff0 && arg2 >= 3 && arg2 <= 0xfffffffffffffff0\n',
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-export-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage export --format oci', () => {
  it('prints one profile for one policy', async () => {
    const result = await runInProcess(['export', '--format', 'oci', '--default-action', 'trap', 'x86_64/net_device.policy'], folder);
    // The one warning: runc answers ENOSYS above the highest syscall named (ioctl, read and openat here).
    expect(result.stderr).toContain('x86_64/net_device.policy:1:1: warning[SC4037]: runc answers ENOSYS, not the default action, for x86_64 syscalls numbered above openat (257)');
    expect(result.stderr).toContain('0 errors, 1 warning');
    expect(result.code).toBe(0);
    const profile = JSON.parse(result.stdout) as { defaultAction: string; architectures: string[]; syscalls: { names: string[]; action: string; errnoRet?: number }[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_TRAP');
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64']);
    expect(profile.syscalls).toContainEqual({ names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 });
  });

  it('makes one multi-architecture profile of one name, per-architecture differences under includes.arches (SC4038)', async () => {
    const result = await runInProcess(['export', '--format', 'oci', '-o', 'net_device.json', 'x86_64/net_device.policy', 'aarch64/net_device.policy'], folder);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning[SC4038]');
    const profile = JSON.parse(readFileSync(join(folder, 'net_device.json'), 'utf8')) as { architectures: string[]; syscalls: { names: string[]; includes?: { arches: string[] } }[] };
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64']);
    expect(profile.syscalls.filter((entry) => entry.names.includes('ioctl')).map((entry) => entry.includes?.arches)).toEqual([undefined, ['amd64']]);
  });

  it('selects architectures with --arch and writes several profiles into a folder', async () => {
    const result = await runInProcess(['export', '--arch', 'arm64', '-o', 'many', 'x86_64/net_device.policy', 'aarch64/net_device.policy', 'aarch64/same.policy'], folder);
    expect(result.stderr).toContain('0 errors');
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(join(folder, 'many/same.json'), 'utf8'))).toMatchObject({ architectures: ['SCMP_ARCH_AARCH64'] });
    expect(JSON.parse(readFileSync(join(folder, 'many/net_device.json'), 'utf8'))).toMatchObject({ architectures: ['SCMP_ARCH_AARCH64'] });
  });

  it('reports what a profile cannot say at the policy file and writes nothing (SC4035, SC4036)', async () => {
    const mismatch = await runInProcess(['export', '-o', 'mismatch.json', 'x86_64/mismatch.policy', 'aarch64/mismatch.policy'], folder);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('aarch64/mismatch.policy:1:1: error[SC4035]');
    expect(mismatch.stderr).toContain('nothing written');
    expect(existsSync(join(folder, 'mismatch.json'))).toBe(false);
    const huge = await runInProcess(['export', '-o', 'huge.json', 'x86_64/huge.policy'], folder);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('x86_64/huge.policy:1:1: error[SC4036]');
    expect(existsSync(join(folder, 'huge.json'))).toBe(false);
  });

  it('refuses to write over an input and needs -o for several profiles', async () => {
    const over = await runInProcess(['export', '-o', 'x86_64/same.policy', 'x86_64/same.policy'], folder);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('is the input');
    expect(readFileSync(join(folder, 'x86_64/same.policy'), 'utf8')).toBe('read: 1\n');
    const several = await runInProcess(['export', 'x86_64/same.policy', 'x86_64/net_device.policy'], folder);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('need -o FOLDER');
  });
});
