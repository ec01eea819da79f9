// Include confinement on a real file system: a symbolic link inside the policy's folder that
// leads out of it counts as leaving it (SECURITY.md, "includes never leave the tree without a
// flag"); the redaction and "not a policy" rules as tables.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isNotAPolicy, redactText } from '../src/confine.js';
import { resolvePolicy } from '../src/index.js';
import { createNodeHost } from '../src/node.js';

const scratch = mkdtempSync(join(tmpdir(), 'syscage-confine-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
const tree = join(scratch, 'tree');
const secret = join(scratch, 'secret');
mkdirSync(join(tree, 'x86_64'), { recursive: true });
mkdirSync(secret);
writeFileSync(join(secret, 'env.policy'), 'API_KEY=hunter2\n');
writeFileSync(join(secret, 'ok.policy'), 'write: allow\n');
writeFileSync(join(tree, 'x86_64', 'common.policy'), 'close: allow\n');
symlinkSync(join(secret, 'env.policy'), join(tree, 'x86_64', 'linked.policy'));
symlinkSync(secret, join(tree, 'x86_64', 'linked-dir'));
symlinkSync(join(tree, 'x86_64', 'common.policy'), join(tree, 'x86_64', 'alias.policy'));

function resolveText(text: string, options: { allowIncludesOutside?: boolean; includeRoots?: string[] } = {}) {
  const entry = join(tree, 'x86_64', 'main.policy');
  writeFileSync(entry, text);
  return resolvePolicy(entry, { host: createNodeHost(), ...options });
}

describe('symbolic links that leave the allowed folders', () => {
  it.each([
    ['a linked file', '@include ./linked.policy\n'],
    ['a file in a linked folder', '@include ./linked-dir/ok.policy\n'],
    ['a frequency file in a linked folder', '@frequency ./linked-dir/ok.policy\n'],
  ])('refuses %s with SC2045 and reads nothing', (_name, text) => {
    const resolved = resolveText(`${text}read: allow\n`);
    expect(resolved.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC2045']);
    expect(resolved.files.map((file) => file.path)).toEqual([join(tree, 'x86_64', 'main.policy')]);
    expect(JSON.stringify(resolved)).not.toContain('hunter2');
  });

  it('follows a link that stays inside the folder', () => {
    const resolved = resolveText('@include ./alias.policy\n');
    expect(resolved.diagnostics).toEqual([]);
    expect(resolved.syscalls.map((syscall) => syscall.name)).toEqual(['close']);
  });

  it('reads a linked file outside when allowed, keeping only the offending token', () => {
    const resolved = resolveText('@include ./linked.policy\n', { allowIncludesOutside: true });
    const linked = resolved.files.find((file) => file.path.endsWith('linked.policy'));
    expect(linked?.outside).toBe(true);
    expect(resolved.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC1003']);
    // SC1003 points at `=`: that is all a code frame can show of the file.
    expect(linked?.text).toBe('       =       \n');
  });

  it('accepts the tree root as the include root', () => {
    mkdirSync(join(tree, 'common'), { recursive: true });
    writeFileSync(join(tree, 'common', 'c.policy'), 'fstat: allow\n');
    const text = '@include ./x/../../common/c.policy\n';
    expect(resolveText(text).diagnostics.map((diagnostic) => diagnostic.code)).toEqual(['SC2045']);
    expect(resolveText(text, { includeRoots: [tree] }).diagnostics).toEqual([]);
  });
});

describe('redactText', () => {
  it.each([
    ['keeps the token and the line breaks', 'A=1\nB=secret value\n', [{ start: 6, end: 18 }], '   \n  secret      \n'],
    ['keeps nothing without a range', 'KEY=v\r\n', [], '     \r\n'],
    ['cuts a token at 40 characters', 'x'.repeat(50), [{ start: 0, end: 50 }], `${'x'.repeat(40)}${' '.repeat(10)}`],
  ])('%s', (_name, text, ranges, expected) => {
    expect(redactText(text, ranges)).toBe(expected);
  });
});

describe('isNotAPolicy', () => {
  it.each([
    ['a README', '/t/README.md', 'text', 0, 1, true],
    ['a .policy file with typos', '/t/a.policy', 'text', 0, 3, false],
    ['a .policy file with many errors and no statement', '/t/a.policy', 'text', 0, 11, true],
    ['a file with statements', '/t/.env', 'text', 1, 5, false],
    ['an empty file', '/t/.env', '', 0, 0, false],
    ['a binary', '/t/a.policy', 'read: allow\0', 1, 0, true],
  ])('%s → %s', (_name, path, text, statements, errors, expected) => {
    expect(isNotAPolicy(path, '.policy', text, statements, errors)).toBe(expected);
  });
});
