// `syscage check`, run in-process on policy files and trees written to a temporary folder.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

let folder = '';

const files: Record<string, string> = {
  'ok.policy': '@include ./lib.policy\nwrite: allow\n',
  'lib.policy': 'read: allow\n',
  'cycle.policy': '@include ./cycle2.policy\n',
  'cycle2.policy': '@include ./cycle.policy\n',
  'twice.policy': 'read: allow\nread: arg0 == 1\n',
  'shadow.policy': 'read: arg0 == 0; return EPERM\nread: arg0 == 0\n',
  'arch.policy': 'read[arch=x86_64]: allow\nread: arg0 == 0\n',
  'mapped.policy': '@include /etc/syscage/lib.policy\n',
  'nested.policy': '@include ./ok.policy\n',
  'deny.policy': '@denylist\nread: return EPERM\n',
  'bad.frequency': 'read: -1\n',
  'tree/x86_64/common_device.policy': 'read: 1\n',
  'tree/x86_64/net.policy': 'sendmsg: 1\n',
  'tree/x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\n@include /usr/share/policy/crosvm/net.policy\n',
  'tree/x86_64/odd_name_vvu.policy': 'read: 1\n',
  'tree/arm/common_device.policy': 'read: 1\n',
  'tree/arm/net.policy': 'sendmsg: 1\n',
  'tree/arm/net_device.policy': '@include ./common_device.policy\n@include ./net.policy\n',
  'opnat.policy': 'opnat: 1\n',
  'badtree/x86_64/common_device.policy': 'read: 1\nopnat: 1\n',
  'badtree/x86_64/net.policy': 'sendmsg: arg2 == MSG_NOSUCHFLAG\n',
  'badtree/x86_64/net_device.policy': '@include /usr/share/policy/crosvm/common_device.policy\n@include /usr/share/policy/crosvm/net.policy\n',
  'x86_64/opnat.policy': 'opnat: 1\n',
};

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'syscage-check-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('syscage check (exit codes and messages)', () => {
  it.each([
    ['a clean policy with an include', ['ok.policy'], 0, '', 'checked 1 policy: 0 errors, 0 warnings'],
    ['an include cycle', ['cycle.policy'], 1, 'cycle2.policy:1:1: error[SC2004]: include cycle: cycle.policy → cycle2.policy → cycle.policy', ''],
    ['a rule after an unconditional one', ['twice.policy'], 1, 'twice.policy:2:5: error[SC2010]: syscall read already had an unconditional action applied', ''],
    ['a shadowed rule (warning only)', ['shadow.policy'], 0, 'shadow.policy:2:7: warning[SC2012]', ''],
    ['an arch-specific conflict without --arch (warning)', ['arch.policy'], 0, 'warning[SC2013]: when compiled for x86_64', ''],
    ['an arch-specific conflict with --arch x86_64 (error)', ['arch.policy', '--arch', 'x86_64'], 1, 'arch.policy:2:5: error[SC2010]', ''],
    ['the same policy for another architecture', ['arch.policy', '--arch', 'aarch64'], 0, '', ''],
    ['an unmapped absolute include', ['mapped.policy'], 1, 'mapped.policy:1:10: error[SC2045]: `/etc/syscage/lib.policy` leads to /etc/syscage/lib.policy, outside', ''],
    ['an --include-map', ['mapped.policy', '--include-map', '/etc/syscage=.'], 0, '', ''],
    ['a nested include under minijail-c', ['nested.policy', '--dialect', 'minijail-c'], 1, 'ok.policy:1:1: error[SC2030]', ''],
    ['@denylist compiled without --denylist', ['deny.policy', '--no-denylist'], 1, 'deny.policy:1:1: error[SC2020]', ''],
    ['@denylist compiled with --denylist', ['deny.policy', '--denylist'], 0, '', ''],
    ['--denylist on a policy without the header', ['ok.policy', '--denylist'], 1, 'error[SC2021]', ''],
    ['a frequency file (syntax only)', ['bad.frequency'], 1, 'bad.frequency:1:7: error[SC1039]', 'checked 0 policies: 1 error'],
    // A tree's loaded policies (as build compiles them) plus building blocks none of them reads.
    ['a tree with a convention error', ['tree'], 1, 'tree/x86_64/odd_name_vvu.policy:1:1: error[SC3001]', 'checked 3 policies'],
    ['a tree with --lint warn', ['tree', '--lint', 'warn'], 0, 'warning[SC3001]', 'checked 3 policies: 0 errors, 1 warning'],
    ['a tree with --lint off', ['tree', '--lint', 'off'], 0, '', 'checked 3 policies: 0 errors, 0 warnings'],
    ['one architecture of a tree', ['tree', '--lint', 'off', '--arch', 'arm'], 0, '', 'checked 1 policy: 0 errors, 0 warnings'],
  ])('%s', async (_name, args, code, stderr, stdout) => {
    const result = await runInProcess(['check', ...args], folder);
    expect(result.code).toBe(code);
    if (stderr !== '') expect(result.stderr).toContain(stderr);
    else expect(result.stderr).toBe('');
    if (stdout !== '') expect(result.stdout).toContain(stdout);
  });

  // The input layer gives every policy its architecture's checks: from --arch, the tree's
  // folder, or a file's own folder. Before it, `check` lowered only with --arch, so a tree that
  // `build` rejects checked clean, and an unknown --arch silently skipped the checks.
  it.each([
    ['a tree, without --arch', ['badtree', '--lint', 'off'], 1, ['badtree/x86_64/common_device.policy:2:1: error[SC4001]', 'error[SC4002]']],
    ['a file in an arch folder, without --arch', ['x86_64/opnat.policy'], 1, ['x86_64/opnat.policy:1:1: error[SC4001]']],
    ['a file with --arch', ['opnat.policy', '--arch', 'x86_64'], 1, ['opnat.policy:1:1: error[SC4001]']],
    ['a file with an alias of --arch', ['opnat.policy', '--arch', 'amd64'], 1, ['error[SC4001]']],
    ['--arch in the wrong case', ['opnat.policy', '--arch', 'X86_64'], 2, ["--arch: unknown architecture 'X86_64'. Did you mean 'x86_64'?"]],
    ['an --arch without a table', ['opnat.policy', '--arch', 'mips'], 2, ["--arch: unknown architecture 'mips'"]],
    ['--arch on a tree', ['badtree', '--arch', 'loongarch64'], 2, ["--arch: unknown architecture 'loongarch64'"]],
  ])('runs the architecture checks: %s', async (_name, args, code, stderr) => {
    const result = await runInProcess(['check', ...args], folder);
    for (const text of stderr) expect(result.stderr).toContain(text);
    expect(result.code).toBe(code);
  });

  it('prints a code frame with the related include chain', async () => {
    const result = await runInProcess(['check', 'cycle.policy'], folder);
    expect(result.stderr).toContain('1 | @include ./cycle.policy\n  | ^^^^^^^^^^^^^^^^^^^^^^^\n');
    expect(result.stderr).toContain('= note: cycle.policy:1:1: cycle.policy includes cycle2.policy');
    expect(result.stdout).toBe('checked 1 policy: 1 error, 0 warnings\n');
  });

  // Issue 20 item 12: an empty folder used to say "checked 0 policies" and exit 0.
  it.each([['text'], ['json']])('exits 1 for a folder with no policies (--format %s)', async (format) => {
    mkdirSync(join(folder, 'emptydir'), { recursive: true });
    const result = await runInProcess(['check', '--format', format, 'emptydir'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('syscage: check: no policies found in emptydir (a policy tree has one folder per architecture, holding .policy files)\n');
  });

  // Issue 20 item 12: a link loop used to read "no such file" (an include) or "cannot list the policy tree" (a tree).
  it('says an include that is a symbolic link loop is one', async () => {
    symlinkSync('loop-b.policy', join(folder, 'loop-a.policy'));
    symlinkSync('loop-a.policy', join(folder, 'loop-b.policy'));
    writeFileSync(join(folder, 'includes-loop.policy'), '@include ./loop-a.policy\nread: 1\n');
    const result = await runInProcess(['check', '--arch', 'x86_64', 'includes-loop.policy'], folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`includes-loop.policy:1:10: error[SC2053]: could not @include ${join(folder, 'loop-a.policy')}: a symbolic link loop (ELOOP)`);
    expect(result.stderr).not.toContain('no such file');
  });

  it('checks the rest of a tree that holds a symbolic link loop and names the loop', async () => {
    mkdirSync(join(folder, 'looped', 'x86_64'), { recursive: true });
    writeFileSync(join(folder, 'looped', 'x86_64', 'echo_process.policy'), 'read: 1\nexit_group: 1\n');
    symlinkSync('aarch64', join(folder, 'looped', 'aarch64'));
    const result = await runInProcess(['check', 'looped'], folder);
    expect(result.stderr).toContain(`error[SC3012]: ${join(folder, 'looped', 'aarch64')} is a symbolic link loop (ELOOP); the tree leaves it out`);
    expect(result.stderr).not.toContain('SC3010');
    expect(result.stdout).toBe('checked 1 policy: 1 error, 0 warnings\n');
  });

  it('exits 3 for a path that does not exist', async () => {
    const result = await runInProcess(['check', 'absent.policy'], folder);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot read');
  });

  it.each([
    ['a relative FROM', ['--include-map', 'etc=.']],
    ['no =', ['--include-map', '/etc']],
    ['an unknown dialect', ['--dialect', 'minijail-rs']],
    ['an unknown format', ['--format', 'xml']],
  ])('exits 2 for %s', async (_name, args) => {
    const result = await runInProcess(['check', 'ok.policy', ...args], folder);
    expect(result.code).toBe(2);
  });

  it('--format json lists every policy and diagnostic', async () => {
    const result = await runInProcess(['check', 'tree', '--lint', 'warn', '--format', 'json'], folder);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      policies: { file: string; arch?: string; syscalls: number }[];
      diagnostics: { code: string; file: string }[];
      errors: number;
      warnings: number;
    };
    expect(report.policies.map((policy) => [policy.file, policy.arch])).toContainEqual(['tree/x86_64/net_device.policy', 'x86_64']);
    expect(report.policies.find((policy) => policy.file === 'tree/arm/net_device.policy')?.syscalls).toBe(2);
    expect(report.diagnostics).toEqual([expect.objectContaining({ code: 'SC3001', file: 'tree/x86_64/odd_name_vvu.policy' })]);
    expect([report.errors, report.warnings]).toEqual([0, 1]);
  });
});
