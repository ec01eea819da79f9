// `syscage build --export oci`: a profile per loaded policy next to its program, listed in the
// manifest with its digest; a policy a profile cannot express fails the build with the export's
// diagnostic, and its profile is not written.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-build-oci-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

interface Entry {
  readonly policy: string;
  readonly status: string;
  readonly oci?: { readonly output: string; readonly sha256: string; readonly entries: number };
  readonly diagnostics: readonly { readonly code: string }[];
}

describe('syscage build --export oci', () => {
  it('writes <arch>/<name>.oci.json next to each program and lists it in the manifest', async () => {
    const tree = join(scratch, 'ok/tree');
    const out = join(scratch, 'ok/out');
    writeTree(tree, {
      'x86_64/common_device.policy': 'read: 1\nwrite: 1\nioctl: arg1 == TCGETS\n',
      'x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\nopenat: return ENOENT\n',
    });
    const result = await runInProcess(['build', tree, '--out', out, '--export', 'oci', '--default-action', 'trap', '--lint', 'off'], scratch);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { policies: Entry[] };
    const entry = manifest.policies.find((policy) => policy.policy === 'x86_64/net_device.policy');
    expect(entry?.oci).toMatchObject({ output: 'x86_64/net_device.oci.json', entries: 3 });
    const bytes = readFileSync(join(out, 'x86_64/net_device.oci.json'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry?.oci?.sha256);
    const profile = JSON.parse(bytes.toString('utf8')) as { defaultAction: string; syscalls: { names: string[]; action: string }[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_TRAP');
    expect(profile.syscalls).toContainEqual({ names: ['openat'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 });
    // Without the option no profile is written, and the one of the earlier build goes with its manifest.
    expect((await runInProcess(['build', tree, '--out', out, '--default-action', 'trap', '--lint', 'off'], scratch)).code).toBe(0);
    expect(existsSync(join(out, 'x86_64/net_device.oci.json'))).toBe(false);
  });

  it('fails a policy a profile cannot express, naming the rule', async () => {
    const tree = join(scratch, 'refused/tree');
    const out = join(scratch, 'refused/out');
    const range = 'arg0 >= 3 && arg0 <= 0xfffffffffffffff0 && arg1 >= 3 && arg1 <= 0xfffffffffffffff0 && arg2 >= 3 && arg2 <= 0xfffffffffffffff0';
    writeTree(tree, { 'x86_64/common_device.policy': 'write: 1\n', 'x86_64/huge_device.policy': `@include /usr/share/policy/crosvm/common_device.policy\nread: ${range}\n` });
    const result = await runInProcess(['build', tree, '--out', out, '--export', 'oci', '--default-action', 'trap', '--lint', 'off'], scratch);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('huge_device.policy:2:1: error[SC4036]');
    expect(existsSync(join(out, 'x86_64/huge_device.oci.json'))).toBe(false);
  });
});
