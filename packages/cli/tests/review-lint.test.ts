// check's reviewer lint (SC2050, SC2051): on by default, quiet with --no-review-lint.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'syscage-review-'));
writeFileSync(join(root, 'lib.policy'), 'ioctl: arg1 == FIONBIO\n');
writeFileSync(join(root, 'main.policy'), '@include ./lib.policy\nread: 1\nptrace: 1\nioctl: arg1 == FIOCLEX\n');

describe('syscage check: the reviewer lint', () => {
  it('warns by default, with a code frame and a suggestion, and still exits 0', async () => {
    const result = await runInProcess(['check', '--arch', 'x86_64', 'main.policy'], root);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('main.policy:3:1: warning[SC2050]: ptrace can break out of the sandbox (it controls other processes) but is allowed here without a comment on the line above saying why');
    expect(result.stderr).toContain('3 | ptrace: 1');
    expect(result.stderr).toContain('= help: add a comment line above the rule saying why the process needs ptrace');
    expect(result.stderr).toContain('main.policy:4:1: warning[SC2051]: ioctl gets conditional rules here and on another line');
    expect(result.stdout).toBe('checked 1 policy: 0 errors, 4 warnings\n'); // ptrace, ioctl twice (SC2050) and SC2051
  });

  it('is quiet with --no-review-lint', async () => {
    const result = await runInProcess(['check', '--arch', 'x86_64', '--no-review-lint', 'main.policy'], root);
    expect(result.stderr).not.toMatch(/SC205[01]/);
    expect(result.stdout).toBe('checked 1 policy: 0 errors, 0 warnings\n');
  });

  it('leaves repeated syscalls to SC2039 in the minijail-c dialect', async () => {
    const result = await runInProcess(['check', '--arch', 'x86_64', '--dialect', 'minijail-c', 'main.policy'], root);
    expect(result.stderr).toContain('SC2050');
    expect(result.stderr).not.toContain('SC2051');
  });
});
