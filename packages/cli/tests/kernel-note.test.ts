// Verdicts on syscalls the kernel does not filter (x86_64 uretprobe, uprobe) carry the note
// "not filtered by the kernel (Linux ≥ X.Y)" in every command that gives one, in text and JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';
import { makeToolInputs } from './simulate-fixture.js';

const root = makeToolInputs();
writeFileSync(join(root, 'x86_64', 'before.policy'), 'read: 1\n');
writeFileSync(join(root, 'x86_64', 'after.policy'), 'read: 1\nuretprobe: 1\n');
mkdirSync(join(root, 'aarch64'));
writeFileSync(join(root, 'aarch64', 'small.policy'), 'read: 1\n');

const uretprobe = 'not filtered by the kernel (Linux ≥ 6.14)';
const uprobe = 'not filtered by the kernel (Linux ≥ 6.18)';

describe('the kernel-unfiltered note', () => {
  it.each<{ name: string; argv: string[]; text: string | undefined; code?: number }>([
    { name: 'simulate uretprobe', argv: ['simulate', '--arch', 'x86_64', '--syscall', 'uretprobe', 'allowlist.bpf'], text: uretprobe },
    { name: 'simulate uprobe by number', argv: ['simulate', '--arch', 'x86_64', '--syscall', '336', 'allowlist.bpf'], text: uprobe },
    { name: 'simulate read', argv: ['simulate', '--arch', 'x86_64', '--syscall', 'read', 'allowlist.bpf'], text: undefined },
    { name: 'simulate number 335 on aarch64 (another syscall there)', argv: ['simulate', '--syscall', '335', 'aarch64/small.policy'], text: undefined },
    { name: 'explain uprobe', argv: ['explain', '--syscall', 'uprobe', 'x86_64/old.policy'], text: uprobe },
    { name: 'explain read', argv: ['explain', '--syscall', 'read', 'x86_64/old.policy'], text: undefined },
    // diff exits 1 when the filters differ.
    { name: 'diff adding uretprobe', argv: ['diff', 'x86_64/before.policy', 'x86_64/after.policy'], text: uretprobe, code: 1 },
    { name: 'stats', argv: ['stats', '--arch', 'x86_64', 'allowlist.bpf'], text: `uretprobe (denied by the filter; ${uretprobe}), uprobe (denied by the filter; ${uprobe})` },
  ])('$name', async ({ argv, text, code = 0 }) => {
    const plain = await runInProcess(argv, root);
    const json = await runInProcess([...argv, '--format', 'json'], root);
    expect(plain.code, plain.stderr).toBe(code);
    if (text === undefined) {
      expect(plain.stdout).not.toContain('not filtered by the kernel');
      expect(json.stdout).not.toContain('not filtered by the kernel');
    } else {
      expect(plain.stdout).toContain(text);
      expect(json.stdout).toContain(text.startsWith('not') ? `"kernelNote": "${text}"` : `"kernelNote": "${uretprobe}"`);
    }
  });

  it('stats lists them in JSON with the filter’s verdict', async () => {
    const result = await runInProcess(['stats', '--arch', 'x86_64', '--format', 'json', 'allowlist.bpf'], root);
    expect((JSON.parse(result.stdout) as { kernelUnfiltered: unknown }).kernelUnfiltered).toEqual([
      { nr: 335, name: 'uretprobe', verdict: 'denied', kernelNote: uretprobe },
      { nr: 336, name: 'uprobe', verdict: 'denied', kernelNote: uprobe },
    ]);
  });
});
