/**
 * Minijail conformance checklist (shared/docs/policy-language.md §8), the items this package
 * owns: 19 (include + merge order), 20 (include errors), 22 (unconditional twice), 23 (denylist).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryHost, resolvePolicy, type ResolveOptions } from '../src/index.js';

function resolve(files: Record<string, string>, options: Omit<ResolveOptions, 'host'> = {}) {
  return resolvePolicy('/t/main.policy', { host: createMemoryHost(files), ...options });
}

function codesAt(files: Record<string, string>, options: Omit<ResolveOptions, 'host'> = {}): string[] {
  return resolve(files, options).diagnostics.map(
    (d) => `${d.code} ${d.file.slice(3)}:${d.range.start.line}:${d.range.start.column}`,
  );
}

describe('§8 item 19: include then merge', () => {
  const policy = resolve({
    '/t/main.policy': '@include ./inc.policy\nread: return ENOSYS\n',
    '/t/inc.policy': '{read, write}: arg0 == 0; allow\n',
  });
  it('read gets [arg filter, errno] and write gets [arg filter] (the default is appended later)', () => {
    const rules = Object.fromEntries(
      policy.syscalls.map((s) => [s.name, s.rules.map((r) => (r.filter.condition ? 'cond' : r.filter.action.kind))]),
    );
    expect(rules).toEqual({ read: ['cond', 'return'], write: ['cond'] });
    expect(policy.diagnostics).toEqual([]);
  });
});

describe('§8 item 20: include errors', () => {
  it.each([
    ['empty include path', { '/t/main.policy': '@include\n' }, ['SC1022 main.policy:1:9']],
    ['invalid include path', { '/t/main.policy': '@include arg0\n' }, ['SC1023 main.policy:1:10']],
    ['self include', { '/t/main.policy': '@include ./main.policy\n' }, ['SC2004 main.policy:1:1']],
    ['missing file', { '/t/main.policy': '@include ./nope.policy\n' }, ['SC2002 main.policy:1:10']],
  ])('%s', (_name, files, expected) => {
    expect(codesAt(files)).toEqual(expected);
  });
});

describe('§8 item 22: a second unconditional action', () => {
  it.each([
    ['read: allow twice', 'read: allow\n\nread: allow\n', ['SC2010 main.policy:3:5']],
    ['read: log then a conditional log', 'read: log\nread: arg0 == 0; log\n', ['SC2010 main.policy:2:5']],
    ['with spaces before the colon', 'read: allow\nread   : allow\n', ['SC2010 main.policy:2:8']],
  ])('%s', (_name, text, expected) => {
    expect(codesAt({ '/t/main.policy': text })).toEqual(expected);
  });
});

describe('§8 item 23: denylist', () => {
  it.each([
    ['@denylist without --denylist', '@denylist\nread: return EPERM\n', false, ['SC2020 main.policy:1:1']],
    ['--denylist without the header', 'read: return EPERM\n', true, ['SC2021 main.policy:1:1']],
    ['read: allow in denylist mode', '@denylist\nread: allow\n', true, ['SC2022 main.policy:2:7']],
    ['a consistent denylist policy', '@denylist\nread: return EPERM\nwrite: arg0 == 1; return EACCES\n', true, []],
    ['an allowlist policy without --denylist', 'read: allow\n', false, []],
  ])('%s', (_name, text, denylist, expected) => {
    expect(codesAt({ '/t/main.policy': text }, { denylist })).toEqual(expected);
  });
});
