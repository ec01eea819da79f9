import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyIncludeMap,
  canonicalArchName,
  classifyPolicyFileName,
  createMemoryHost,
  createParseCache,
  defaultIncludeMap,
  frequenciesForArch,
  joinPath,
  normalizePath,
  resolveIncludePath,
  resolvePolicy,
  syscallsForArch,
} from '../src/index.js';
import { createNodeHost } from '../src/node.js';

describe('paths', () => {
  it.each([
    ['/a/./b//c.policy', '/a/b/c.policy'],
    ['/a/b/../c.policy', '/a/c.policy'],
    ['/../../x', '/x'],
    ['relative/x', '/relative/x'],
    ['/', '/'],
  ])('normalizePath(%s) = %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });
  it.each([
    ['/a/b', './c.policy', '/a/b/c.policy'],
    ['/a/b', './../c.policy', '/a/c.policy'],
    ['/a/b', '/abs/c.policy', '/abs/c.policy'],
  ])('joinPath(%s, %s) = %s', (directory, relative, expected) => {
    expect(joinPath(directory, relative)).toBe(expected);
  });
});

describe('include map', () => {
  const map = [
    { from: '/usr/share/policy', to: '/general' },
    { from: '/usr/share/policy/crosvm/', to: '/tree/x86_64' },
  ];
  it.each([
    ['longest prefix wins', '/usr/share/policy/crosvm/a.policy', '/tree/x86_64/a.policy'],
    ['shorter prefix for other paths', '/usr/share/policy/other/a.policy', '/general/other/a.policy'],
    ['prefix only on a segment boundary', '/usr/share/policyx/a.policy', '/usr/share/policyx/a.policy'],
    ['unmapped paths unchanged', '/etc/a.policy', '/etc/a.policy'],
  ])('%s', (_name, path, expected) => {
    expect(applyIncludeMap(path, map)).toBe(expected);
  });
  it('defaults to the top-level file’s folder for /usr/share/policy/crosvm', () => {
    expect(defaultIncludeMap('/t/arm/x_device.policy')).toEqual([{ from: '/usr/share/policy/crosvm', to: '/t/arm' }]);
    expect(resolveIncludePath('/usr/share/policy/crosvm/c.policy', '/t/arm/x.policy', defaultIncludeMap('/t/arm/x.policy'))).toBe(
      '/t/arm/c.policy',
    );
  });
  it('resolves ./ paths against the including file, not the top-level file', () => {
    expect(resolveIncludePath('./c.policy', '/t/sub/inc.policy', defaultIncludeMap('/t/main.policy'))).toBe('/t/sub/c.policy');
  });
});

describe('hosts', () => {
  it('memory host reads files and lists directories', () => {
    const host = createMemoryHost({ 'a/x.policy': '1', '/a/b/y.policy': '2' });
    expect(host.readFile('/a/x.policy')).toBe('1');
    expect(host.readFile('/a/missing')).toBeUndefined();
    expect(host.listDirectory?.('/a')).toEqual([
      { name: 'b', isDirectory: true },
      { name: 'x.policy', isDirectory: false },
    ]);
    expect(host.listDirectory?.('/nope')).toBeUndefined();
  });

  const dir = mkdtempSync(join(tmpdir(), 'syscage-host-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  it('node host reads real files, and gives undefined for directories and missing files', () => {
    mkdirSync(join(dir, 'x86_64'));
    writeFileSync(join(dir, 'x86_64', 'a.policy'), '@include ./b.policy\n');
    writeFileSync(join(dir, 'x86_64', 'b.policy'), 'read: allow\n');
    const host = createNodeHost();
    expect(host.readFile(join(dir, 'x86_64', 'b.policy'))).toBe('read: allow\n');
    expect(host.readFile(join(dir, 'x86_64'))).toBeUndefined();
    expect(host.readFile(join(dir, 'nope'))).toBeUndefined();
    expect(host.listDirectory?.(dir)).toEqual([{ name: 'x86_64', isDirectory: true }]);
    const policy = resolvePolicy(join(dir, 'x86_64', 'a.policy'), { host });
    expect(policy.diagnostics).toEqual([]);
    expect(policy.syscalls.map((syscall) => syscall.name)).toEqual(['read']);
  });
});

describe('file roles', () => {
  it.each([
    ['common_device.policy', { kind: 'common-block' }],
    ['vhost_user.policy', { kind: 'transport-block', transport: 'vhost_user' }],
    ['vvu.policy', { kind: 'transport-block', transport: 'vvu' }],
    ['gpu.policy', { kind: 'device-block', device: 'gpu' }],
    ['9p_device.policy', { kind: 'loaded', device: '9p' }],
    ['vhost_net_device.policy', { kind: 'loaded', device: 'vhost_net' }],
    ['block_device_vhost_user.policy', { kind: 'loaded', device: 'block', transport: 'vhost_user' }],
    ['block_device_vvu.policy', { kind: 'loaded', device: 'block', transport: 'vvu' }],
    ['swap_monitor_process.policy', { kind: 'process', process: 'swap_monitor' }],
    ['common_device.frequency', { kind: 'frequency' }],
  ])('%s', (name, role) => {
    expect(classifyPolicyFileName(name)).toEqual(role);
  });
  it.each(['README.md', 'Gpu.policy', 'gpu__x.policy', 'x_device_other.policy', 'x_vvu.policy', 'vvu_device.policy', '_device.policy', 'common_process.policy', 'x_device_process.policy'])(
    '%s fits no role',
    (name) => {
      expect(classifyPolicyFileName(name).kind).toBe('none');
    },
  );
});

describe('architecture filtering', () => {
  const host = createMemoryHost({
    '/p/main.policy': ['@frequency ./main.frequency', 'read[arch=x86_64]: allow', 'read[arch=arm64,arm]: arg0 == 0', 'write: allow'].join('\n'),
    '/p/main.frequency': ['read[arch=x86_64]: 7', 'read: 1', 'write: 2'].join('\n'),
  });
  const policy = resolvePolicy('/p/main.policy', { host });
  it('keeps every rule in the resolved policy', () => {
    expect(policy.syscalls.map((syscall) => [syscall.name, syscall.rules.length])).toEqual([
      ['read', 2],
      ['write', 1],
    ]);
  });
  it.each([
    ['x86_64', [['read', 'allow'], ['write', 'allow']]],
    ['aarch64', [['read', 'arg0 == 0'], ['write', 'allow']]],
    ['arm', [['read', 'arg0 == 0'], ['write', 'allow']]],
    ['riscv64', [['write', 'allow']]],
  ])('syscallsForArch(%s)', (arch, expected) => {
    const text = host.readFile('/p/main.policy') ?? '';
    expect(
      syscallsForArch(policy, arch).map((syscall) => {
        const rule = syscall.rules[0];
        return [syscall.name, rule === undefined ? '' : text.slice(rule.filter.range.start.offset, rule.filter.range.end.offset)];
      }),
    ).toEqual(expected);
  });
  it.each([
    ['x86_64', [['read', 8n], ['write', 2n]]],
    ['arm', [['read', 1n], ['write', 2n]]],
  ])('frequenciesForArch(%s)', (arch, expected) => {
    expect([...frequenciesForArch(policy, arch)]).toEqual(expected);
  });
  it('counts only arch-independent frequencies when no architecture is given', () => {
    expect([...policy.frequencies]).toEqual([
      ['read', 1n],
      ['write', 2n],
    ]);
  });
  it.each([
    ['arm64', 'aarch64'],
    ['x86', 'i386'],
    ['x86_64', 'x86_64'],
  ])('canonicalArchName(%s) = %s', (name, canonical) => {
    expect(canonicalArchName(name)).toBe(canonical);
  });
});

describe('merge checks of a block shared through one parse cache', () => {
  // lib.policy's second fcntl rule is shadowed by its first; the parsed clauses are shared by both
  // policies through the cache, and each reports the finding as resolving it alone does.
  const files = {
    '/t/lib.policy': 'fcntl: arg1 == 1\nfcntl: arg1 == 1 && arg2 == 0\n',
    '/t/a.policy': '@include ./lib.policy\nread: allow\n',
    '/t/b.policy': '# b\n@include ./lib.policy\nfcntl: arg1 == 1 && arg0 == 3 || arg2 == 0 && arg1 == 1\n',
  };
  const codes = (path: string, cache = createParseCache()): string[] =>
    resolvePolicy(path, { host: createMemoryHost(files), cache }).diagnostics.map(
      (diagnostic) => `${diagnostic.code} ${diagnostic.file}:${String(diagnostic.range.start.line)} ${diagnostic.related?.map((related) => `${related.file}:${String(related.range.start.line)}`).join(' ') ?? ''}`,
    );
  it.each([
    ['/t/a.policy', ['SC2012 /t/lib.policy:2 /t/lib.policy:1 /t/a.policy:1']],
    ['/t/b.policy', ['SC2012 /t/lib.policy:2 /t/lib.policy:1 /t/b.policy:2', 'SC2012 /t/b.policy:3 /t/lib.policy:1']],
  ])('%s', (path, expected) => {
    const shared = createParseCache();
    codes('/t/a.policy', shared);
    codes('/t/b.policy', shared);
    expect(codes(path, shared)).toEqual(expected);
    expect(codes(path)).toEqual(expected);
  });
});
