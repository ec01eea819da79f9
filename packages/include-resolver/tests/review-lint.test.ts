// The reviewer's lint (SC2050, SC2051) and the shared dangerous-syscall list.
import { formatDiagnostic } from '@syscage/policy-parser';
import { describe, expect, it } from 'vitest';
import { createMemoryHost, dangerousSyscall, dangerousSyscalls, isDevicePolicyName, lintReviewRules, resolvePolicy } from '../src/index.js';

function lint(files: Record<string, string>, options: Parameters<typeof lintReviewRules>[1] = {}) {
  const resolved = resolvePolicy('/t/main.policy', { host: createMemoryHost(files) });
  return { resolved, diagnostics: lintReviewRules(resolved, options) };
}

const where = (files: Record<string, string>, options: Parameters<typeof lintReviewRules>[1] = {}): string[] =>
  lint(files, options).diagnostics.map((d) => `${d.code} ${d.file}:${d.range.start.line}:${d.range.start.column}`);

describe('SC2050: a dangerous syscall allowed without a comment on the line above', () => {
  it.each<[string, string, string[]]>([
    ['no comment', 'ptrace: 1\n', ['SC2050 /t/main.policy:1:1']],
    ['a comment above', '# The debugger stub traces its own children.\nptrace: 1\n', []],
    ['a comment, then blank lines (Minijail skips them too)', '# why\n\n\nptrace: 1\n', []],
    ['a rule above instead of a comment', '# why\nread: 1\nptrace: 1\n', ['SC2050 /t/main.policy:3:1']],
    ['a second risky rule of the file, without its own comment', '# why\nptrace: 1\n\nmount: 1\n# why too\nsetns: 1\n', ['SC2050 /t/main.policy:4:1']],
    ['a conditional allow', 'clone: arg0 & CLONE_THREAD\n', ['SC2050 /t/main.policy:1:1']],
    ['a rule that only returns an errno', 'ptrace: return EPERM\n', []],
    ['a rule that kills', 'mount: kill\n', []],
    ['a syscall that is not on the list', 'read: 1\nwrite: 1\n', []],
    ['a continued rule, comment above its first line', '# Threads only.\nclone: arg0 == 1 || \\\n  arg0 == 2\n', []],
  ])('%s', (_name, text, expected) => {
    expect(where({ '/t/main.policy': text })).toEqual(expected);
  });

  it('reports a rule of an included file there, with the include chain and a code frame', () => {
    const { resolved, diagnostics } = lint({ '/t/main.policy': '@include ./lib.policy\n', '/t/lib.policy': 'read: 1\nunshare: 1\n' });
    expect(diagnostics).toHaveLength(1);
    const sources = new Map(resolved.files.map((file) => [file.path, file.text]));
    expect(formatDiagnostic(diagnostics[0] ?? ({} as never), sources)).toBe(
      [
        '/t/lib.policy:2:1: warning[SC2050]: unshare can break out of the sandbox (it creates namespaces (a user namespace grants capabilities inside it)) but is allowed here without a comment on the line above saying why',
        '  |',
        '2 | unshare: 1',
        '  | ^^^^^^^',
        '  = note: /t/main.policy:1:1: included from here',
        '    |',
        '  1 | @include ./lib.policy',
        '    | ^^^^^^^^^^^^^^^^^^^^^',
        '  = help: add a comment line above the rule saying why the process needs unshare, and narrow it with argument conditions if you can',
      ].join('\n'),
    );
  });
});

describe('SC2051: conditional rules for one syscall on more than one line', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['two lines of one file', { '/t/main.policy': 'fcntl: arg1 == 1\nfcntl: arg1 == 2\n' }, ['SC2051 /t/main.policy:2:1']],
    ['a block and the file that includes it', { '/t/main.policy': '@include ./lib.policy\nfcntl: arg1 == 2\n', '/t/lib.policy': 'fcntl: arg1 == 1\n' }, ['SC2051 /t/main.policy:2:1']],
    ['one conditional and one unconditional rule', { '/t/main.policy': 'fcntl: arg1 == 1\nfcntl: return EPERM\n' }, []],
    ['one line with `||`', { '/t/main.policy': 'fcntl: arg1 == 1 || arg1 == 2\n' }, []],
  ])('%s', (_name, files, expected) => {
    expect(where(files)).toEqual(expected);
  });

  it('points at the first conditional rule, and is off for the minijail-c dialect (SC2039 reports repeats there)', () => {
    const files = { '/t/main.policy': 'fcntl: arg1 == 1\nfcntl: arg1 == 2\n' };
    expect(lint(files).diagnostics[0]?.related?.[0]).toMatchObject({ message: 'the first conditional rule', file: '/t/main.policy', range: { start: { line: 1 } } });
    expect(where(files, { repeatedConditions: false })).toEqual([]);
  });
});

describe('the dangerous-syscall list', () => {
  it('is sorted, has each name once and gives every entry a reason', () => {
    const names = dangerousSyscalls.map((entry) => entry.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
    for (const entry of dangerousSyscalls) expect(entry.why.length).toBeGreaterThan(10);
  });

  it('covers Minijail’s seccomp_policy_lint list except getrandom, and marks those entries', () => {
    // Minijail's DANGEROUS_SYSCALLS (tools/seccomp_policy_lint.py).
    const minijail = ['clone', 'mount', 'setns', 'kill', 'execve', 'execveat', 'getrandom', 'bpf', 'socket', 'ptrace', 'swapon', 'swapoff', 'prctl', 'ioctl', 'mmap', 'mmap2', 'mprotect'];
    expect(minijail.filter((name) => dangerousSyscall(name) === undefined)).toEqual(['getrandom']);
    expect(dangerousSyscalls.filter((entry) => entry.minijail).map((entry) => entry.name).sort()).toEqual(minijail.filter((name) => name !== 'getrandom').sort());
  });

  it.each([
    ['gpu_device.policy', true],
    ['net_device_vhost_user.policy', true],
    ['common_device.policy', true],
    ['x86_64/block_device.bpf', true],
    ['jail_warden.policy', false],
    ['gpu_common.policy', false],
  ] as const)('%s is a device policy: %s', (name, expected) => {
    expect(isDevicePolicyName(name)).toBe(expected);
  });
});
