// Issue 20 item 12: a path that exists but cannot be read says why, instead of "no such file".
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostFileProblem, type PolicyHost, createMemoryHost, describeFileProblem, lintPolicyTree, resolvePolicy } from '../src/index.js';
import { createNodeHost } from '../src/node.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syscage-unreadable-'));
  mkdirSync(join(dir, 'p'));
  writeFileSync(join(dir, 'p', 'main.policy'), '@include ./loop.policy\n@frequency ./loop.frequency\nread: 1\n');
  writeFileSync(join(dir, 'p', 'gone.policy'), '@include ./missing.policy\nread: 1\n');
  writeFileSync(join(dir, 'p', 'folder.policy'), '@include ./sub\nread: 1\n');
  mkdirSync(join(dir, 'p', 'sub'));
  // Two links to each other: following either never ends (ELOOP).
  symlinkSync('loop-b.policy', join(dir, 'p', 'loop.policy'));
  symlinkSync('loop.policy', join(dir, 'p', 'loop-b.policy'));
  symlinkSync('loop.frequency', join(dir, 'p', 'loop.frequency'));
  // A tree whose root holds a link loop beside a real architecture folder, and one inside it.
  mkdirSync(join(dir, 'tree', 'x86_64'), { recursive: true });
  writeFileSync(join(dir, 'tree', 'x86_64', 'net_device.policy'), '@include ./common_device.policy\n@include ./net.policy\n');
  writeFileSync(join(dir, 'tree', 'x86_64', 'net.policy'), 'socket: 1\n');
  writeFileSync(join(dir, 'tree', 'x86_64', 'common_device.policy'), 'read: 1\n');
  symlinkSync('aarch64', join(dir, 'tree', 'aarch64'));
  symlinkSync('loopy.policy', join(dir, 'tree', 'x86_64', 'loopy.policy'));
  symlinkSync('looptree', join(dir, 'looptree'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the node host says why a path cannot be read', () => {
  it.each<[string, string, HostFileProblem | undefined]>([
    ['a symbolic link loop', 'p/loop.policy', 'ELOOP'],
    ['a missing file', 'p/missing.policy', 'ENOENT'],
    ['a path through a file', 'p/main.policy/x', 'ENOTDIR'],
    ['a folder', 'p/sub', 'EISDIR'],
    ['a readable file', 'p/main.policy', undefined],
    ['a device', '/dev/null', 'not-regular'],
  ])('%s', (_name, path, problem) => {
    expect(createNodeHost().fileProblem?.(path.startsWith('/') ? path : join(dir, path))).toBe(problem);
  });

  it('lists a folder holding a link loop, marking the loop', () => {
    expect(createNodeHost().listDirectory?.(join(dir, 'tree'))).toEqual([
      { name: 'aarch64', isDirectory: false, problem: 'ELOOP' },
      { name: 'x86_64', isDirectory: true },
    ]);
  });
});

describe('resolving through unreadable paths', () => {
  it.each<[string, string, string[]]>([
    [
      'an include and a frequency file that are link loops',
      'p/main.policy',
      ['SC2053 could not @include {dir}/p/loop.policy: a symbolic link loop (ELOOP)', 'SC2053 could not open frequency file {dir}/p/loop.frequency: a symbolic link loop (ELOOP)'],
    ],
    ['a missing include stays SC2002', 'p/gone.policy', ['SC2002 could not @include {dir}/p/missing.policy: no such file']],
    ['an include of a folder', 'p/folder.policy', ['SC2053 could not @include {dir}/p/sub: a folder, not a file (EISDIR)']],
    ['a top-level file that is a link loop', 'p/loop.policy', ['SC2001 cannot read policy file {dir}/p/loop.policy: a symbolic link loop (ELOOP)']],
  ])('%s', (_name, entry, expected) => {
    const policy = resolvePolicy(join(dir, entry), { host: createNodeHost() });
    expect(policy.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.message.replaceAll(dir, '{dir}')}`)).toEqual(expected);
  });

  it('reads the reason from any host that gives one (the resolver imports no node: module)', () => {
    const memory = createMemoryHost({ '/a/main.policy': '@include ./secret.policy\n' });
    const host: PolicyHost = { ...memory, fileProblem: (path) => (path === '/a/secret.policy' ? 'EACCES' : undefined) };
    expect(resolvePolicy('/a/main.policy', { host }).diagnostics.map((diagnostic) => diagnostic.message)).toEqual([
      `could not @include /a/secret.policy: ${describeFileProblem('EACCES')}`,
    ]);
    // A host that cannot tell keeps the old wording.
    expect(resolvePolicy('/a/main.policy', { host: memory }).diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC2002']);
  });
});

describe('policy trees with link loops', () => {
  it('reports each loop (SC3012) and lints the rest of the tree', () => {
    const result = lintPolicyTree(join(dir, 'tree'), { host: createNodeHost() });
    expect(result.archs.map((arch) => [arch.name, arch.files.map((file) => file.name)])).toEqual([['x86_64', ['common_device.policy', 'net.policy', 'net_device.policy']]]);
    expect(result.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.message.replaceAll(dir, '{dir}')}`)).toEqual([
      'SC3012 {dir}/tree/aarch64 is a symbolic link loop (ELOOP); the tree leaves it out',
      'SC3012 {dir}/tree/x86_64/loopy.policy is a symbolic link loop (ELOOP); the tree leaves it out',
    ]);
  });

  it('says why a tree root that is a link loop cannot be listed', () => {
    const result = lintPolicyTree(join(dir, 'looptree'), { host: createNodeHost() });
    expect(result.diagnostics.map((diagnostic) => `${diagnostic.code} ${diagnostic.message.replaceAll(dir, '{dir}')}`)).toEqual([
      'SC3010 cannot list the policy tree {dir}/looptree: a symbolic link loop (ELOOP)',
    ]);
  });
});
